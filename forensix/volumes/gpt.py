"""A GUID partition table read where The Sleuth Kit gives up on it.

TSK reads a GPT only when it is whole; a disk image cut short (before the end
of its last partition, or before the backup table at the disk's end) or with a
damaged header is read by TSK as the protective MBR in front of it, and every
file of the disk is lost although ``fls -o`` still lists them. The table is
simple (UEFI 2.x, section 5.3): a header at LBA 1 with CRC-32s over itself and
its entry array, and a backup at the disk's last LBA. Whatever of it survives is
read here, the damage said in words, and the partitions it describes are walked
as far as the image goes.
"""
from __future__ import annotations

import struct
import zlib
from typing import Callable, NamedTuple

SIGNATURE = b"EFI PART"
SECTORS = (512, 4096)
MAX_ENTRIES = 1024
"""More than any real table (128 is usual); a damaged count is not believed past it."""


class GptEntry(NamedTuple):
    number: int
    """1-based, in the table's order (what partitioning tools number)."""
    offset: int
    length: int
    name: str
    type_guid: str


def read_gpt(read: Callable[[int, int], bytes], size: int) -> tuple[list[GptEntry], list[str]] | None:
    """The partitions of a GPT on a medium of ``size`` bytes read through ``read(offset, n)``,
    and what was found damaged; ``None`` where no GPT header (primary or backup) is found."""
    for sector in SECTORS:
        primary = _header(read(sector, sector), sector, 1)
        backup_lba = primary.alternate if primary.ok else size // sector - 1
        backup = _header(read(backup_lba * sector, sector), sector, backup_lba) if backup_lba * sector < size \
            else _Header.missing(f"the backup GPT header (sector {backup_lba}) lies past the end of the image")
        if not primary.found and not backup.found:
            continue
        damage = [note for note in (primary.damage("primary"), backup.damage("backup")) if note]
        for header in (primary, backup):
            if header.ok:
                entries, note = _entries(read, header, sector)
                if note:
                    damage.append(note)
                if entries or header is backup:
                    return _within(entries, size, damage), damage
        return [], damage
    return None


class _Header(NamedTuple):
    found: bool
    ok: bool
    problem: str
    alternate: int = 0
    entries_lba: int = 0
    count: int = 0
    entry_size: int = 0
    entries_crc: int = 0

    @classmethod
    def missing(cls, why: str) -> "_Header":
        return cls(False, False, why)

    def damage(self, which: str) -> str:
        return "" if self.ok else f"{which} GPT header: {self.problem}"


def _header(raw: bytes, sector: int, lba: int) -> _Header:
    if len(raw) < 92:
        return _Header.missing(f"sector {lba} lies past the end of the image")
    if raw[:8] != SIGNATURE:
        return _Header.missing("not found (no 'EFI PART' signature)")
    size = struct.unpack_from("<I", raw, 12)[0]
    if not 92 <= size <= sector:
        return _Header(True, False, f"header size {size} is impossible")
    crc = struct.unpack_from("<I", raw, 16)[0]
    if zlib.crc32(raw[:16] + b"\0\0\0\0" + raw[20:size]) != crc:
        return _Header(True, False, "its checksum is wrong (damaged)")
    alternate, entries_lba, count, entry_size, entries_crc = (
        struct.unpack_from("<Q", raw, 32)[0], *struct.unpack_from("<QIII", raw, 72))
    if not 128 <= entry_size <= 4096 or entry_size % 8:
        return _Header(True, False, f"entry size {entry_size} is impossible")
    return _Header(True, True, "", alternate, entries_lba, count, entry_size, entries_crc)


def _entries(read: Callable[[int, int], bytes], header: _Header, sector: int) -> tuple[list[GptEntry], str]:
    count = min(header.count, MAX_ENTRIES)
    raw = read(header.entries_lba * sector, count * header.entry_size)
    note = ""
    if len(raw) < count * header.entry_size:
        note = "the partition entry array is cut short by the end of the image"
    elif zlib.crc32(raw) != header.entries_crc or count != header.count:
        note = "the partition entry array's checksum is wrong (damaged); its entries are read as they are"
    out = []
    for i in range(len(raw) // header.entry_size):
        entry = raw[i * header.entry_size:(i + 1) * header.entry_size]
        if entry[:16] == bytes(16):
            continue  # unused
        first, last = struct.unpack_from("<QQ", entry, 32)
        if last < first:
            continue
        name = entry[56:128].decode("utf-16-le", "replace").split("\0", 1)[0]
        out.append(GptEntry(i + 1, first * sector, (last - first + 1) * sector, name, _guid(entry[:16])))
    return out, note


def _within(entries: list[GptEntry], size: int, damage: list[str]) -> list[GptEntry]:
    """The partitions that start inside the image; those cut by its end are kept and said to be."""
    kept = []
    for entry in entries:
        if entry.offset >= size:
            damage.append(f"GPT partition {entry.number} starts at byte {entry.offset}, past the end of the image")
            continue
        if entry.offset + entry.length > size:
            damage.append(f"GPT partition {entry.number} runs past the end of the image (it ends at byte "
                          f"{entry.offset + entry.length}, the image at byte {size}): the image was cut short; "
                          "its files are read as far as the image goes")
        kept.append(entry)
    return kept


def _guid(raw: bytes) -> str:
    a, b, c = struct.unpack_from("<IHH", raw)
    return f"{a:08X}-{b:04X}-{c:04X}-{raw[8:10].hex().upper()}-{raw[10:16].hex().upper()}"
