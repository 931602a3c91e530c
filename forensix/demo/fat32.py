"""A small, deterministic FAT32 writer (no mkfs.fat, no mtools).

mtools stamps the current time into what it writes and mkfs.fat picks a random
volume id, so neither can give a byte-identical training image from a seed.
This writer lays the file system out itself: boot sector and FSInfo (and their
backups), two FATs, directories with long (VFAT) names, contiguous cluster
chains. A *deleted* file is written the way an operating system leaves one:
the first byte of its directory entries is 0xE5 and its FAT chain is freed,
but its clusters keep their content, which is why The Sleuth Kit still
recovers it.

The cluster count is kept at or above 65,525 because FAT32 is defined by that
count, not by the label in the boot sector (TSK and Windows both go by it).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime

SECTOR = 512
RESERVED_SECTORS = 32
FAT_COUNT = 2
MIN_FAT32_CLUSTERS = 65525
END_OF_CHAIN = 0x0FFFFFFF
ENTRY = 32
ATTR_DIRECTORY, ATTR_ARCHIVE, ATTR_VOLUME, ATTR_LFN = 0x10, 0x20, 0x08, 0x0F
DELETED = 0xE5
_SHORT_OK = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()-@^_`{}~")


@dataclass(frozen=True, slots=True)
class FatFile:
    """One file to place: ``path`` with '/' separators, relative to the root."""

    path: str
    data: bytes
    mtime: datetime
    deleted: bool = False


@dataclass(slots=True)
class _Dir:
    name: str
    mtime: datetime
    children: dict[str, "_Dir | FatFile"] = field(default_factory=dict)
    cluster: int = 0
    clusters: int = 0


def _fat_datetime(when: datetime) -> tuple[int, int]:
    date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    return date, time


def _short_checksum(short: bytes) -> int:
    total = 0
    for byte in short:
        total = (((total & 1) << 7) + (total >> 1) + byte) & 0xFF
    return total


def _short_chars(text: str) -> str:
    return "".join(c if c in _SHORT_OK else "_" for c in text.upper().replace(" ", ""))


def _short_name(name: str, taken: set[bytes]) -> tuple[bytes, bool]:
    """The 8.3 name (11 bytes) and whether a long name is needed beside it."""
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    base, extension = _short_chars(stem) or "_", _short_chars(ext)[:3]
    exact = f"{base}.{extension}" if dot else base
    if name == exact and len(base) <= 8 and len(ext) <= 3:
        short = f"{base:<8}{extension:<3}".encode("ascii")
        if short not in taken:
            taken.add(short)
            return short, False
    for n in range(1, 1_000_000):
        tail = f"~{n}"
        short = f"{base[:8 - len(tail)]}{tail:<{8 - len(base[:8 - len(tail)])}}{extension:<3}".encode("ascii")
        if short not in taken:
            taken.add(short)
            return short, True
    raise ValueError(f"no free short name for {name}")


def _lfn_entries(name: str, checksum: int) -> list[bytearray]:
    units = name.encode("utf-16-le")
    chars = [units[i:i + 2] for i in range(0, len(units), 2)]
    if len(chars) % 13:
        chars.append(b"\0\0")
    while len(chars) % 13:
        chars.append(b"\xff\xff")
    parts = [b"".join(chars[i:i + 13]) for i in range(0, len(chars), 13)]
    entries = []
    for ordinal in range(len(parts), 0, -1):
        part = parts[ordinal - 1]
        seq = ordinal | (0x40 if ordinal == len(parts) else 0)
        entries.append(bytearray(struct.pack("<B10sBBB12sH4s", seq, part[:10], ATTR_LFN, 0, checksum,
                                             part[10:22], 0, part[22:26])))
    return entries


def _short_entry(short: bytes, attr: int, cluster: int, size: int, when: datetime) -> bytearray:
    date, time = _fat_datetime(when)
    return bytearray(struct.pack("<11sBBBHHHHHHHI", short, attr, 0, 0, time, date, date, cluster >> 16,
                                 time, date, cluster & 0xFFFF, size))


class Fat32Builder:
    """Lays out a FAT32 volume of ``sectors`` sectors holding ``files``."""

    def __init__(self, sectors: int, label: str, volume_id: int, hidden_sectors: int, when: datetime) -> None:
        self.sectors = sectors
        self.label = label.upper()[:11]
        self.volume_id = volume_id
        self.hidden = hidden_sectors
        self.when = when
        self.fat_sectors = self._fat_size()
        self.first_data = RESERVED_SECTORS + FAT_COUNT * self.fat_sectors
        self.clusters = sectors - self.first_data
        if self.clusters < MIN_FAT32_CLUSTERS:
            raise ValueError(f"{sectors} sectors give {self.clusters} clusters; FAT32 needs {MIN_FAT32_CLUSTERS}")
        self.fat = [0] * (self.clusters + 2)
        self.fat[0], self.fat[1] = 0x0FFFFFF8, END_OF_CHAIN
        self.image = bytearray(sectors * SECTOR)
        self._next = 2
        self._file_clusters: dict[int, int] = {}
        """First cluster of each placed file, by ``id()`` of its FatFile."""

    def _fat_size(self) -> int:
        fat = 1
        while True:
            clusters = self.sectors - RESERVED_SECTORS - FAT_COUNT * fat
            needed = -(-(clusters + 2) * 4 // SECTOR)
            if needed <= fat:
                return fat
            fat = needed

    def _allocate(self, count: int, chain: bool = True) -> int:
        """``count`` contiguous clusters; chained unless the file is deleted; 0 for none."""
        if count == 0:
            return 0
        first = self._next
        if first + count > self.clusters + 2:
            raise ValueError("the FAT32 volume is full; make it larger")
        self._next += count
        if chain:
            for c in range(first, first + count):
                self.fat[c] = c + 1 if c + 1 < first + count else END_OF_CHAIN
        return first

    def _cluster_offset(self, cluster: int) -> int:
        return (self.first_data + cluster - 2) * SECTOR

    def build(self, files: list[FatFile]) -> bytearray:
        root = _Dir("", self.when)
        for f in files:
            node = root
            *parents, leaf = f.path.strip("/").split("/")
            for part in parents:
                child = node.children.setdefault(part, _Dir(part, self.when))
                assert isinstance(child, _Dir), f"{f.path}: a file is in the way"
                node = child
            node.children[leaf] = f
        self._place(root, parent=None)
        self._write_fats()
        self._write_boot()
        return self.image

    def _entries(self, node: _Dir, parent: _Dir | None) -> list[bytearray]:
        """Every 32-byte entry of a directory (clusters not yet placed read as 0, which
        leaves the count, and so the directory's size, unchanged)."""
        out: list[bytearray] = []
        if parent is None:
            out.append(_short_entry(f"{self.label:<11}".encode("ascii"), ATTR_VOLUME, 0, 0, self.when))
        else:
            out.append(_short_entry(b".          ", ATTR_DIRECTORY, node.cluster, 0, node.mtime))
            out.append(_short_entry(b"..         ", ATTR_DIRECTORY, parent.cluster if parent.name else 0, 0,
                                    parent.mtime))
        taken: set[bytes] = set()
        for name, child in node.children.items():
            short, needs_long = _short_name(name, taken)
            group = _lfn_entries(name, _short_checksum(short)) if needs_long else []
            if isinstance(child, _Dir):
                group.append(_short_entry(short, ATTR_DIRECTORY, child.cluster, 0, child.mtime))
            else:
                group.append(_short_entry(short, ATTR_ARCHIVE, self._file_clusters.get(id(child), 0), len(child.data),
                                          child.mtime))
                if child.deleted:
                    for entry in group:
                        entry[0] = DELETED
            out.extend(group)
        return out

    def _place(self, node: _Dir, parent: _Dir | None) -> None:
        """Allocate the directory, its files, then its subdirectories (depth first)."""
        cluster_bytes = SECTOR
        count = len(self._entries(node, parent))
        node.clusters = -(-count * ENTRY // cluster_bytes)
        node.cluster = self._allocate(node.clusters)
        for child in node.children.values():
            if isinstance(child, FatFile):
                first = self._allocate(-(-len(child.data) // cluster_bytes), chain=not child.deleted)
                self._file_clusters[id(child)] = first
                if first:
                    off = self._cluster_offset(first)
                    self.image[off:off + len(child.data)] = child.data
        for child in node.children.values():
            if isinstance(child, _Dir):
                self._place(child, node)
        data = b"".join(self._entries(node, parent))
        off = self._cluster_offset(node.cluster)
        self.image[off:off + len(data)] = data

    def _write_fats(self) -> None:
        table = struct.pack(f"<{len(self.fat)}I", *self.fat)
        for n in range(FAT_COUNT):
            off = (RESERVED_SECTORS + n * self.fat_sectors) * SECTOR
            self.image[off:off + len(table)] = table

    def _write_boot(self) -> None:
        boot = bytearray(SECTOR)
        boot[0:3] = b"\xeb\x58\x90"
        boot[3:11] = b"FORENSIX"
        struct.pack_into("<HBHBHHBHHHII", boot, 11, SECTOR, 1, RESERVED_SECTORS, FAT_COUNT, 0, 0, 0xF8, 0,
                         32, 64, self.hidden, self.sectors)
        struct.pack_into("<IHHIHH12xBBBI11s8s", boot, 36, self.fat_sectors, 0, 0, 2, 1, 6, 0x80, 0, 0x29,
                         self.volume_id, f"{self.label:<11}".encode("ascii"), b"FAT32   ")
        boot[510:512] = b"\x55\xaa"
        info = bytearray(SECTOR)
        free = self.fat.count(0)
        struct.pack_into("<I", info, 0, 0x41615252)
        struct.pack_into("<IIII", info, 484, 0x61417272, free, self._next, 0)
        struct.pack_into("<I", info, 508, 0xAA550000)
        for base in (0, 6):
            self.image[base * SECTOR:(base + 1) * SECTOR] = boot
            self.image[(base + 1) * SECTOR:(base + 2) * SECTOR] = info
            self.image[(base + 2) * SECTOR + 510:(base + 2) * SECTOR + 512] = b"\x55\xaa"
