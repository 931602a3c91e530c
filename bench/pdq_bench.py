#!/usr/bin/env python3
"""PDQ: pictures hashed per second, drift of reduced decoding, the index at 10 million
hashes, and what the pdq plugin adds to a scan.

Speed and memory targets are measured here, never by timed assertions in tests.
Timings are the best of ``--repeat`` runs (the machine is shared; say so beside
any figure), with CPU seconds beside wall seconds.

1. Hashing: every picture under ``--pictures`` (default: the shared corpora's
   pictures) decoded three ways: RGB at full size (as the PDQ corpus truth
   was made), luma at full size, and as the plugin does it (luma; a large
   JPEG at reduced DCT scale). Pictures/s of each, and the distance of each
   hash from the RGB one. Then every picture whose shorter side is at least
   512 px (other formats re-encoded as JPEG q92) decoded at 1/2, 1/4 and 1/8
   scale: the drift by reduced size, which ``forensix.pixels.DRAFT_MIN_SIDE``
   is chosen from.
2. Index: ``--hashes`` random PDQ hashes (10 million) written as an import
   writes them, opened, and searched with 10,000 queries (half of them within
   0-31 bits of a listed hash) at distance 31: one thread and two, plain and
   with the 8 dihedral hashes of each query (80,000 hashes); and one query at
   a time, as a scan asks. Peak RSS of the whole run is printed at the end.
3. Scan: ``forensix scan`` of ``--image`` (default: the PDQ corpus image,
   picture-heavy) with its hash set, with and without the pdq plugin.

usage: python bench/pdq_bench.py [--only hash,index,scan] [--hashes N] [--repeat N] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from forensix import pdq, pixels  # noqa: E402
from forensix.hashsets import HashSet, layout  # noqa: E402
from forensix.hashsets.indexwriter import Batch, IndexWriter, write_manifest  # noqa: E402
from scan_bench import measure  # noqa: E402


def best(repeat: int, run) -> tuple[float, float]:
    """(wall, cpu) seconds of the fastest of ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def picture_files(folder: Path) -> list[tuple[str, bytes, str]]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.stat().st_size <= 64 << 20:
            head = path.read_bytes()
            fmt = pixels.sniff(head[:64])
            if fmt is not None:
                found.append((str(path), head, fmt))
    return found


def rgb_full(data: bytes, fmt: str) -> np.ndarray:
    """The picture as the corpus truth decoded it: Pillow (pillow-heif), RGB, full size."""
    from PIL import Image
    import pillow_heif

    if fmt == "HEIF":
        return np.asarray(pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True))[..., :3]
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def bench_hashing(folders: list[Path], repeat: int) -> None:
    pictures = []
    for folder in folders:
        for name, data, fmt in picture_files(folder):
            try:
                pdq.compute(pixels.decode(data, fmt))
                rgb = rgb_full(data, fmt)
            except Exception:  # damaged samples: not what is measured here
                continue
            pictures.append((name, data, fmt, rgb.shape[0] * rgb.shape[1]))
    print(f"\n== hashing: {len(pictures)} pictures from {', '.join(map(str, folders))}")
    saved = pixels.DRAFT_MIN_SIDE
    ways = {
        "RGB, full size (the corpus truth's way)": (lambda d, f: pdq.compute(rgb_full(d, f)), saved),
        "luma, full size": (lambda d, f: pdq.compute(pixels.decode(d, f)), 1 << 30),
        "as the plugin does (luma; large JPEG reduced)": (lambda d, f: pdq.compute(pixels.decode(d, f)), saved),
    }
    reduced = [p for p in pictures if p[2] == "JPEG" and pixels._jpeg_scale(*_size(p[1])) > 1]
    for group, chosen in (("under 1 megapixel", [p for p in pictures if p[3] < 1_000_000]),
                          ("of 1 megapixel and more", [p for p in pictures if p[3] >= 1_000_000]),
                          ("that are JPEGs the plugin decodes reduced", reduced)):
        if not chosen:
            continue
        truth = [pdq.compute(rgb_full(d, f)).hash for _, d, f, _ in chosen]
        print(f"  {len(chosen)} pictures {group}:")
        for label, (way, draft_min_side) in ways.items():
            pixels.DRAFT_MIN_SIDE = draft_min_side
            hashes: list[bytes] = []
            wall, cpu = best(repeat, lambda: hashes.__setitem__(slice(None),
                                                                [way(d, f).hash for _, d, f, _ in chosen]))
            drift = np.array([pdq.distance(a, b) for a, b in zip(hashes, truth)])
            print(f"    {label:46s} {len(chosen) / wall:6.0f} pictures/s, {cpu / len(chosen) * 1000:6.2f} ms CPU "
                  f"each; bits from the RGB hash: median {np.median(drift):.0f}, max {drift.max()}")
    pixels.DRAFT_MIN_SIDE = saved
    bench_draft_drift([p[:3] for p in pictures])


def _size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def bench_draft_drift(pictures: list[tuple[str, bytes, str]]) -> None:
    from PIL import Image

    rows = []
    for name, data, fmt in pictures:
        if fmt != "JPEG":  # large photos in other formats (HEIC, TIFF, WebP) add samples, as JPEG q92
            rgb = rgb_full(data, fmt)
            if min(rgb.shape[:2]) < 512:
                continue
            out = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(rgb)).save(out, "JPEG", quality=92)
            data, fmt = out.getvalue(), "JPEG"
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        if min(width, height) < 512:
            continue
        full = pdq.compute(rgb_full(data, fmt)).hash
        for scale in (2, 4, 8):
            with Image.open(io.BytesIO(data)) as image:
                image.draft("L", (width // scale, height // scale))
                reduced = pdq.compute(np.asarray(image))
                rows.append((min(image.size), pdq.distance(reduced.hash, full), scale, Path(name).name))
    print(f"\n== reduced JPEG decoding (draft mode), {len(rows)} decodes of {len({r[3] for r in rows})} pictures "
          "of at least 512 px (JPEGs, and larger pictures of other formats as JPEG q92): distance from the full "
          "RGB hash")
    for low, high in ((1024, 1 << 30), (768, 1023), (512, 767), (256, 511), (0, 255)):
        drift = [r[1] for r in rows if low <= r[0] <= high]
        if drift:
            print(f"  reduced shorter side {low:>4}-{'' if high > 1 << 20 else high:<5} {len(drift):3d} decodes: "
                  f"median {np.median(drift):.0f}, max {max(drift)} bits")
    print(f"  forensix.pixels.DRAFT_MIN_SIDE = {pixels.DRAFT_MIN_SIDE}")


def build_random_index(directory: Path, count: int, seed: int = 7) -> np.ndarray:
    """``count`` random hashes through the import's writer (as a parsed list hands them over)."""
    rng = np.random.default_rng(seed)
    writer = IndexWriter(directory)
    step = 1 << 18
    for first in range(0, count, step):
        n = min(step, count - first)
        hashes = rng.integers(0, 256, (n, 32), np.uint8)
        writer.add(Batch(count=n, digests={}, sizes=np.full(n, -1, np.int64), pdq=hashes))
    facts = writer.finish()
    writer.close()
    write_manifest(directory, {"layout": layout.LAYOUT_VERSION, "name": "random", "kind": "known-bad",
                               "format": "pdq", "scheme": "vic-us", "source_path": "(random)",
                               "source_sha256": "0" * 64, "imported_at": "bench", **facts})
    return np.fromfile(directory / "pdq.hash", np.uint8).reshape(-1, 32)


def near_copies(listed: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Hashes 0-31 bits from ``count`` listed ones."""
    bits = np.unpackbits(listed[rng.integers(0, len(listed), count)], axis=1)
    for row in bits:
        row[rng.choice(256, int(rng.integers(0, 32)), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def bench_index(workdir: Path, count: int, repeat: int) -> None:
    directory = workdir / "random-index"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    print(f"\n== index: {count:,} random PDQ hashes")
    wall, cpu = time.perf_counter(), time.process_time()
    listed = build_random_index(directory, count)
    print(f"  written and indexed in {time.perf_counter() - wall:.1f} s ({time.process_time() - cpu:.1f} s CPU), "
          f"{sum(f.stat().st_size for f in directory.iterdir()) / 1e6:,.0f} MB on disk")
    wall = time.perf_counter()
    hs = HashSet(directory)
    print(f"  opened in {(time.perf_counter() - wall) * 1000:.1f} ms (memory-mapped; nothing read)")
    rng = np.random.default_rng(9)
    queries = np.concatenate([near_copies(listed, 5000, rng), rng.integers(0, 256, (5000, 32), np.uint8)])
    del listed
    dihedral = np.concatenate([queries] + [rng.integers(0, 256, (10000, 32), np.uint8) for _ in range(7)])
    hs.pdq.search(queries[:2000].tobytes(), pdq.THRESHOLD)  # bring the tables into the page cache
    for label, asked in (("10,000 hashes", queries), ("10,000 pictures x 8 dihedral hashes", dihedral)):
        for threads in (1, 2):
            found = []
            wall, cpu = best(repeat, lambda: found.__setitem__(slice(None), [
                hs.pdq.search(asked.tobytes(), pdq.THRESHOLD, threads=threads)]))
            near = len(set(found[0][0].tolist()) & set(range(5000)))
            print(f"  {label:38s} {threads} thread{'s' if threads > 1 else ' '}: {wall:5.2f} s ({cpu:.2f} s CPU); "
                  f"{near:,} of the 5,000 planted copies found")
    one = [q.tobytes() for q in dihedral[:: len(dihedral) // 500][:500]]
    wall, cpu = best(repeat, lambda: [hs.near(q, pdq.THRESHOLD) for q in one])
    print(f"  one hash at a time (a scan):           {wall / len(one) * 1000:.2f} ms a query")
    hs.close()
    shutil.rmtree(directory)


def bench_scan(image: Path, hashset: Path, workdir: Path, repeat: int) -> None:
    print(f"\n== scan of {image} with {hashset.name}")
    results = {}
    for label, extra in (("without the pdq plugin", ["--disable-plugin", "pdq"]), ("with the pdq plugin", [])):
        runs = []
        for _ in range(repeat):
            case = workdir / "case"
            shutil.rmtree(case, ignore_errors=True)
            run = measure(label, [sys.executable, str(ROOT / "forensix.py"), "scan", str(image), "--case", str(case),
                                  "--hashset", str(hashset), "--no-progress", *extra])
            if run.code != 0:
                sys.exit(f"the scan {label} failed ({run.code})")
            runs.append((run.seconds, run.cpu))  # CPU of the whole process tree: workers are grandchildren
        results[label] = min(runs)
        print(f"  {label:24s} {results[label][0]:6.2f} s wall, {results[label][1]:6.2f} s CPU (best of {repeat})")
    (off_wall, off_cpu), (on_wall, on_cpu) = results.values()
    print(f"  the plugin adds {100 * (on_wall / off_wall - 1):.0f} % wall, {100 * (on_cpu / off_cpu - 1):.0f} % CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="hash,index,scan")
    ap.add_argument("--pictures", type=Path, action="append")
    ap.add_argument("--hashes", type=int, default=10_000_000)
    ap.add_argument("--image", type=Path, default=SHARED / "corpus-pdq" / "images" / "pdq_public.raw")
    ap.add_argument("--hashset", type=Path, default=SHARED / "corpus-pdq" / "hashsets" / "known.vics.json")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path)
    a = ap.parse_args()
    only = set(a.only.split(","))
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        work = Path(tmp)
        if "hash" in only:
            folders = a.pictures or [SHARED / "corpus-pictures" / "files", extract_pdq_corpus(work)]
            bench_hashing(folders, a.repeat)
        if "index" in only:
            bench_index(work, a.hashes, a.repeat)
        if "scan" in only:
            bench_scan(a.image, a.hashset, work, a.repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this benchmark process: {peak:,.0f} MB; {os.cpu_count()} cores")


def extract_pdq_corpus(work: Path) -> Path:
    """The PDQ corpus image's pictures as files (icat), for the hashing figures."""
    import json

    corpus = SHARED / "corpus-pdq"
    out = work / "corpus-pdq-pictures"
    out.mkdir()
    truth = json.loads((corpus / "truth.json").read_text())
    image = corpus / truth["images"]["pdq_public"]["path"]
    for number, f in enumerate(truth["images"]["pdq_public"]["files"]):
        if f["role"] != "archive" and not f.get("container"):
            with open(out / f"{number}_{Path(f['path']).name}", "wb") as target:
                subprocess.run(["icat", str(image), f["inode"]], stdout=target, check=True)
    return out


if __name__ == "__main__":
    main()
