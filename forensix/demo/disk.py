"""The demo disk: an MBR with a FAT32 and an ext4 partition, the same bytes every time.

FAT32 is written by :mod:`forensix.demo.fat32`. ext4 is left to e2fsprogs
(``mke2fs -d``) with every source of variation pinned: the clock
(``E2FSPROGS_FAKE_TIME``), the UUID and directory hash seed (from the demo
seed), owners, and file times. ``mke2fs -d`` copies each source file's change
time, which no one can set, so ``debugfs`` rewrites the change times and then
deletes one file the way ``rm`` does (name unlinked, inode and blocks freed,
content left on disk).
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
FAT32_START = 2048
FAT32_SECTORS = 73728
"""36 MiB in 512-byte clusters: just above FAT32's 65,525-cluster minimum."""
EXT4_START = FAT32_START + FAT32_SECTORS
EXT4_SECTORS = 32768
DISK_SECTORS = EXT4_START + EXT4_SECTORS + 2048
TYPE_FAT32_LBA = 0x0C
TYPE_LINUX = 0x83


class DiskBuildError(Exception):
    """An external tool (mke2fs, debugfs) is missing or failed."""


@dataclass(frozen=True, slots=True)
class Partition:
    slot: int
    fs: str
    start_sector: int
    sectors: int
    type_code: int

    @property
    def offset(self) -> int:
        return self.start_sector * SECTOR


PARTITIONS = (Partition(0, "fat32", FAT32_START, FAT32_SECTORS, TYPE_FAT32_LBA),
              Partition(1, "ext4", EXT4_START, EXT4_SECTORS, TYPE_LINUX))


def mbr(disk_signature: int, partitions: tuple[Partition, ...] = PARTITIONS) -> bytes:
    """Sector 0: no boot code, four table slots, LBA addressing (CHS fields set to 'beyond 8 GB')."""
    sector = bytearray(SECTOR)
    struct.pack_into("<I", sector, 440, disk_signature)
    for n, part in enumerate(partitions):
        struct.pack_into("<B3sB3sII", sector, 446 + 16 * n, 0x80 if n == 0 else 0, b"\xfe\xff\xff",
                         part.type_code, b"\xfe\xff\xff", part.start_sector, part.sectors)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


_SBIN = "/usr/local/sbin:/usr/sbin:/sbin"
"""e2fsprogs lives in sbin, which is not on an ordinary user's PATH on Debian."""


def _tool(name: str) -> str | None:
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:{_SBIN}")


def _run(args: list[str], env: dict[str, str]) -> None:
    tool = _tool(args[0])
    if tool is None:
        raise DiskBuildError(f"{args[0]} not found; install e2fsprogs (scripts/setup.sh does)")
    done = subprocess.run([tool, *args[1:]], env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise DiskBuildError(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[:500]}")


def build_ext4(files: dict[str, bytes], deleted: str, label: str, fs_uuid: uuid.UUID, hash_seed: uuid.UUID,
               epoch: int, sectors: int = EXT4_SECTORS) -> bytes:
    """An ext4 volume holding ``files`` (path -> content), with ``deleted`` removed afterwards.

    All inodes get ``epoch`` as their times; the deletion is stamped one hour later.
    """
    with tempfile.TemporaryDirectory(prefix="forensix-demo-ext4-") as tmp:
        src, image = Path(tmp) / "root", Path(tmp) / "ext4.img"
        src.mkdir()
        for rel, data in files.items():
            target = src / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        paths = sorted(p for p in src.rglob("*"))
        for p in [*reversed(paths), src]:
            os.utime(p, (epoch, epoch))
        with open(image, "wb") as f:
            f.truncate(sectors * SECTOR)
        env = {"E2FSPROGS_FAKE_TIME": str(epoch)}
        _run(["mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-L", label, "-U", str(fs_uuid),
              "-E", f"hash_seed={hash_seed},root_owner=0:0", "-d", str(src), str(image)], env)
        commands = [f'sif "/{p.relative_to(src).as_posix()}" ctime @{epoch}' for p in paths]
        commands += [f"sif / ctime @{epoch}", f'rm "/{deleted}"']
        script = Path(tmp) / "debugfs.cmd"
        script.write_text("\n".join(commands) + "\n")
        _run(["debugfs", "-w", "-f", str(script), str(image)], {"E2FSPROGS_FAKE_TIME": str(epoch + 3600)})
        return image.read_bytes()


def assemble(path: Path, disk_signature: int, volumes: dict[str, bytes]) -> None:
    """Write the raw disk: MBR, then each partition's volume at its offset (the rest zero)."""
    with open(path, "wb") as f:
        f.truncate(DISK_SECTORS * SECTOR)
        f.write(mbr(disk_signature))
        for part in PARTITIONS:
            data = volumes[part.fs]
            if len(data) > part.sectors * SECTOR:
                raise ValueError(f"{part.fs} volume larger than its partition")
            f.seek(part.offset)
            f.write(data)


def tools_missing() -> list[str]:
    """External tools the demo needs that are not on PATH."""
    return [tool for tool in ("mke2fs", "debugfs") if _tool(tool) is None]
