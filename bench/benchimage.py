"""The scan benchmark's evidence: a 2 GiB ext4 image of known shape, and an E01 of it.

Shape (issue "Triage at disk speed"): 20,000 files of 1-64 KiB (log-uniform
sizes; 40 % text, the rest random bytes) in about 1,000 folders, 2,000
JPEG-like files of 100 KiB-2 MiB, three files of 50, 100 and 150 MiB, 50 empty
files and 20 symbolic links, all from one fixed seed, formatted with
``mke2fs -t ext4 -b 4096 -d``. Built once into a cache folder and reused; the
content is generated, so nothing in it is anyone's material.
"""
from __future__ import annotations

import math
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

SEED = 20261129
IMAGE_BYTES = 2 << 30
SMALL_FILES = 20_000
FOLDERS = 1_000
PICTURES = 2_000
LARGE_MIB = (50, 100, 150)
EMPTY_FILES = 50
SYMLINKS = 20
FIXED_EPOCH = 1_700_000_000
_WORDS = ("evidence report vehicle station meeting address contact invoice payment delivery phone "
          "message account transfer location camera tuesday friday morning evening street north").split()


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    return int(math.exp(rng.uniform(math.log(low), math.log(high))))


def _text(rng: random.Random, size: int) -> bytes:
    words = []
    length = 0
    while length < size:
        word = rng.choice(_WORDS)
        if rng.random() < 0.002:
            word = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        elif rng.random() < 0.002:
            word = f"user{rng.randrange(10_000)}@example.org"
        words.append(word)
        length += len(word) + 1
        if rng.random() < 0.08:
            words.append("\n")
    return " ".join(words).encode()[:size]


def _jpeg_like(rng: random.Random, size: int) -> bytes:
    """A JFIF header with an EXIF block, then noise: a picture's bytes, not a picture."""
    make, model = b"BenchCam\x00", b"Model 1\x00"
    entries = [(0x010F, 2, len(make), 26), (0x0110, 2, len(model), 26 + len(make))]
    ifd = struct.pack(">H", len(entries)) + b"".join(struct.pack(">HHII", *e) for e in entries) + b"\0\0\0\0"
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd + make + model
    app1 = b"Exif\x00\x00" + tiff
    head = (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1)
    return head + rng.randbytes(size - len(head) - 2) + b"\xff\xd9"


def populate(root: Path, rng: random.Random) -> None:
    folders = [root]
    for i in range(FOLDERS - 1):
        parent = rng.choice(folders[: max(1, len(folders))])
        folder = parent / f"dir{i:04d}"
        folder.mkdir()
        folders.append(folder)
    for i in range(SMALL_FILES):
        size = _log_uniform(rng, 1 << 10, 64 << 10)
        data = _text(rng, size) if rng.random() < 0.4 else rng.randbytes(size)
        (rng.choice(folders) / f"file{i:05d}.{'txt' if data[:1].isalpha() else 'bin'}").write_bytes(data)
    pictures = root / "Users" / "bench" / "Pictures"
    pictures.mkdir(parents=True)
    for i in range(PICTURES):
        (pictures / f"IMG_{i:04d}.jpg").write_bytes(_jpeg_like(rng, _log_uniform(rng, 100 << 10, 2 << 20)))
    for mib in LARGE_MIB:
        with open(root / f"large_{mib}MiB.bin", "wb") as f:
            for _ in range(mib):
                f.write(rng.randbytes(1 << 20))
    for i in range(EMPTY_FILES):
        (rng.choice(folders) / f"empty{i:02d}").touch()
    for i in range(SYMLINKS):
        (rng.choice(folders) / f"link{i:02d}").symlink_to(f"../file{rng.randrange(SMALL_FILES):05d}.txt")
    for path in [root, *root.rglob("*")]:
        os.utime(path, (FIXED_EPOCH, FIXED_EPOCH), follow_symlinks=False)


def build(cache: Path) -> tuple[Path, Path]:
    """The raw image and its E01 (first segment), built into ``cache`` once."""
    cache.mkdir(parents=True, exist_ok=True)
    raw, e01 = cache / "bench.raw", cache / "bench.E01"
    if not raw.is_file():
        tree = cache / "tree"
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir()
        populate(tree, random.Random(SEED))
        partial = raw.with_suffix(".part")
        with open(partial, "wb") as f:
            f.truncate(IMAGE_BYTES)
        env = {**os.environ, "E2FSPROGS_FAKE_TIME": str(FIXED_EPOCH)}
        subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-E", "root_owner=0:0",
                        "-d", str(tree), str(partial)], check=True, env=env)
        shutil.rmtree(tree)
        partial.rename(raw)
    if not e01.is_file():
        for old in cache.glob("bench.E*"):
            old.unlink()
        subprocess.run(["ewfacquire", "-u", "-q", "-t", str(cache / "bench"), "-f", "encase6",
                        "-c", "fast", "-S", "1.4GiB", "-C", "bench", "-D", "scan benchmark", "-E", "1",
                        "-e", "bench", "-N", "none", "-d", "sha1", str(raw)],
                       check=True, stdout=subprocess.DEVNULL)
    return raw, e01


def content_totals(raw: Path) -> tuple[int, int]:
    """Regular files and bytes of content in the image, as The Sleuth Kit lists them."""
    import pytsk3

    fs = pytsk3.FS_Info(pytsk3.Img_Info(str(raw)))
    files = nbytes = 0
    stack = [fs.open_dir("/")]
    while stack:
        for f in stack.pop():
            meta = f.info.meta
            if f.info.name.name in (b".", b"..") or meta is None:
                continue
            if meta.type == pytsk3.TSK_FS_META_TYPE_DIR:
                stack.append(f.as_directory())
            elif meta.type == pytsk3.TSK_FS_META_TYPE_REG:
                files += 1
                nbytes += meta.size
    return files, nbytes
