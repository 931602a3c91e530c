"""A TIFF/EXIF reader that reads only the tags forensix reports.

EXIF is a TIFF structure wherever it lives (a JPEG's APP1, a TIFF or raw
file, WebP's EXIF chunk, PNG's eXIf, an HEIC item, CR3's CMT boxes). A general
reader (exifread, Pillow) walks every tag: 250-500 microseconds a JPEG header,
and loops over whatever count a damaged entry claims. This one reads a dozen
tags by position with every offset and count checked against the data, so a
picture costs tens of microseconds and a hostile one costs no more: an entry
whose values lie outside the data is unreadable, never read.
"""
from __future__ import annotations

import array
import struct
import sys
from dataclasses import dataclass, field
from fractions import Fraction

TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8}
_INT_FORMATS = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I", 16: "Q"}
TIFF_MAGIC = {b"II*\x00": "<", b"MM\x00*": ">", b"IIRO": "<", b"IIRS": "<", b"MMOR": ">", b"IIU\x00": "<"}
"""TIFF (and the raws built on it: CR2, NEF, ARW, DNG, PEF), and the TIFF-based raw headers of
Olympus ORF and Panasonic RW2, with the byte order each gives."""
_SWAP = {"<": sys.byteorder != "little", ">": sys.byteorder != "big"}
MAX_ENTRIES = 1000
"""Entries read from one IFD: real ones hold a few dozen; the rest of a longer one is damage."""


@dataclass(frozen=True, slots=True)
class Entry:
    type: int
    count: int
    offset: int
    """Absolute position of the value in the data (inline values included)."""


@dataclass(slots=True)
class Ifd:
    """One image file directory: where its entries are, and how to read their values.

    Only the tags are indexed up front (one C-level unpack); an entry is decoded
    when asked for, since a reader wants a few of the dozens an IFD holds.
    """

    data: bytes
    endian: str
    base: int
    """Where offsets count from (the TIFF header, or a maker note's own origin)."""
    start: int = 0
    """Position of the first 12-byte entry."""
    entries: dict[int, int] = field(default_factory=dict)
    """Tag -> index of its entry (the first, if a tag repeats)."""
    next: int = 0

    def entry(self, tag: int) -> Entry | None:
        index = self.entries.get(tag)
        if index is None:
            return None
        pos = self.start + 12 * index
        _, kind, count, value = struct.unpack_from(f"{self.endian}HHII", self.data, pos)
        return Entry(kind, count, pos + 8 if TYPE_SIZES.get(kind, 0) * count <= 4 else self.base + value)

    def raw(self, tag: int) -> bytes | None:
        return self._bytes(self.entry(tag))

    def _fits(self, entry: Entry) -> bool:
        """Whether all the entry's values lie inside the data (an unknown type does not)."""
        size = TYPE_SIZES.get(entry.type)
        return size is not None and 0 <= entry.offset and entry.offset + size * entry.count <= len(self.data)

    def _bytes(self, entry: Entry | None) -> bytes | None:
        """The entry's value bytes; ``None`` for an unknown type or values outside the data."""
        if entry is None or not self._fits(entry):
            return None
        return self.data[entry.offset:entry.offset + TYPE_SIZES[entry.type] * entry.count]

    def readable(self, tag: int) -> bool:
        return tag not in self.entries or self.raw(tag) is not None

    def text(self, tag: int) -> str | None:
        """A string tag, whatever type it was written as (Software as BYTEs is still text)."""
        entry = self.entry(tag)
        if entry is None or entry.type not in (1, 2, 7):
            return None
        raw = self._bytes(entry)
        return decode_text(raw) if raw is not None else None

    def ints(self, tag: int, most: int) -> list[int] | None:
        """The first ``most`` values: a damaged count can claim millions, and the readers want a few."""
        return self._ints(self.entry(tag), most)

    def _ints(self, entry: Entry | None, most: int) -> list[int] | None:
        if entry is None or entry.type not in _INT_FORMATS or not self._fits(entry):
            return None
        return list(struct.unpack_from(f"{self.endian}{min(entry.count, most)}{_INT_FORMATS[entry.type]}",
                                       self.data, entry.offset))

    def int(self, tag: int) -> int | None:
        values = self.ints(tag, 1)
        return values[0] if values else None

    def rationals(self, tag: int, most: int) -> list[Fraction] | None:
        """The first ``most`` rational values; ``None`` when unreadable or when one of them has a zero
        denominator."""
        entry = self.entry(tag)
        if entry is None or not self._fits(entry):
            return None
        if entry.type in (5, 10):
            pairs = struct.unpack_from(f"{self.endian}{2 * min(entry.count, most)}{'I' if entry.type == 5 else 'i'}",
                                       self.data, entry.offset)
            if any(d == 0 for d in pairs[1::2]):
                return None
            return [Fraction(n, d) for n, d in zip(pairs[::2], pairs[1::2])]
        ints = self._ints(entry, most)
        return [Fraction(v) for v in ints] if ints is not None else None


def decode_text(raw: bytes) -> str | None:
    """Text up to the first NUL, trimmed; UTF-8 where it is, else Latin-1 (old cameras)."""
    raw = raw.split(b"\x00", 1)[0].strip()
    if not raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_ifd(data: bytes, position: int, endian: str, base: int) -> Ifd | None:
    """The IFD at absolute ``position``; ``None`` when it does not fit in the data."""
    if position < 0 or position + 2 > len(data):
        return None
    count = struct.unpack_from(f"{endian}H", data, position)[0]
    entries = min(count, MAX_ENTRIES, (len(data) - position - 2) // 12)
    table = array.array("H", data[position + 2:position + 2 + 12 * entries])
    if _SWAP[endian]:
        table.byteswap()
    tags = table[::6]
    ifd = Ifd(data, endian, base, position + 2, dict(zip(reversed(tags), range(entries - 1, -1, -1))))
    end = position + 2 + 12 * entries
    if end + 4 <= len(data) and count <= MAX_ENTRIES:
        ifd.next = struct.unpack_from(f"{endian}I", data, end)[0]
    return ifd


@dataclass(slots=True)
class Tiff:
    """A TIFF structure starting at ``start`` in ``data``."""

    data: bytes
    start: int
    endian: str

    @classmethod
    def parse(cls, data: bytes, start: int = 0) -> Tiff | None:
        endian = TIFF_MAGIC.get(data[start:start + 4])
        return cls(data, start, endian) if endian else None

    def ifd_at(self, offset: int) -> Ifd | None:
        """The IFD ``offset`` bytes after the TIFF header."""
        return read_ifd(self.data, self.start + offset, self.endian, self.start) if offset else None

    def first(self) -> Ifd | None:
        return self.ifd_at(struct.unpack_from(f"{self.endian}I", self.data, self.start + 4)[0]) \
            if self.start + 8 <= len(self.data) else None

    def sub_ifd(self, parent: Ifd, tag: int) -> tuple[Ifd | None, str | None]:
        """The IFD a pointer tag names, or a problem when it points past the data."""
        offset = parent.int(tag)
        if offset is None:
            return None, None
        ifd = self.ifd_at(offset)
        if ifd is None:
            label = {0x8769: "EXIF", 0x8825: "GPS"}.get(tag, f"tag 0x{tag:04x}")
            return None, f"{label} IFD offset {offset} points past the end of the data"
        return ifd, None
