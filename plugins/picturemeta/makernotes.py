"""Camera serial numbers (and a few capture times) from the maker notes of the common makes.

Most cameras write their body serial only in the maker note, a block whose
layout each maker chose: an IFD with or without a header, offsets counted from
the TIFF header or from the note itself, or a fixed binary record. Each reader
below follows the layout documented for that make (ExifTool's tag tables are
the public reference), recognised from the note's own header where it has one
and from the Make otherwise. A note that does not fit its layout gives nothing
and no warning: a maker note is private data, not damage.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Callable

from plugins.picturemeta.tiff import Entry, Ifd, Tiff, decode_text, read_ifd

MAX_NOTE = 1 << 20
"""Longest maker note read; a longer count is damage (or an attempt to make a reader loop)."""


@dataclass(slots=True)
class Note:
    serial: str | None = None
    datetime_original: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Block:
    """The maker note in context: the whole data, where the note starts and ends, the TIFF it is in."""

    data: bytes
    start: int
    end: int
    tiff: Tiff

    @property
    def bytes(self) -> bytes:
        return self.data[self.start:self.end]

    def ifd(self, skip: int, base: int | None = None, endian: str | None = None) -> Ifd | None:
        """An IFD ``skip`` bytes into the note; offsets from ``base`` (the TIFF header by default)."""
        return read_ifd(self.data, self.start + skip, endian or self.tiff.endian,
                        self.tiff.start if base is None else base)


def _byte_order(mark: bytes, default: str) -> str:
    """The struct byte order a note's own ``II``/``MM`` mark gives, else ``default``."""
    return {b"II": "<", b"MM": ">"}.get(mark, default)


def _text(ifd: Ifd | None, *tags: int) -> str | None:
    return next(filter(None, (ifd.text(tag) for tag in tags)), None) if ifd is not None else None


def canon_serial(ifd: Ifd | None) -> str | None:
    """SerialNumber (a number), else InternalSerialNumber, of a Canon maker-note IFD."""
    number = ifd.int(0x000C) if ifd is not None else None
    return str(number) if number else _text(ifd, 0x0096)


def _canon(block: _Block) -> Note:
    return Note(serial=canon_serial(block.ifd(0)))


def _nikon(block: _Block) -> Note:
    if not block.bytes.startswith(b"Nikon\x00\x02"):
        return Note()
    inner = Tiff.parse(block.data, block.start + 10)
    return Note(serial=_text(inner.first() if inner else None, 0x001D, 0x00A0))


def _olympus(block: _Block) -> Note:
    head = block.bytes[:12]
    if head.startswith(b"OLYMPUS\x00"):  # offsets from the note, its own byte order
        endian = _byte_order(head[8:10], ">")
        main, base = block.ifd(12, block.start, endian), block.start
    elif head.startswith((b"OLYMP\x00", b"OM SYSTEM\x00")):
        skip = 16 if head.startswith(b"OM SYSTEM") else 8
        main, base, endian = block.ifd(skip), block.tiff.start, block.tiff.endian
    else:
        return Note()
    if main is None:
        return Note()
    equipment = None
    pointer = main.int(0x2010)
    if pointer:
        equipment = read_ifd(block.data, base + pointer, endian, base)
    return Note(serial=_text(equipment, 0x0101, 0x0102) or _text(main, 0x0404, 0x101A))


def _panasonic(block: _Block) -> Note:
    if not block.bytes.startswith(b"Panasonic\x00"):
        return Note()
    return Note(serial=_text(block.ifd(12), 0x0025))


def _pentax(block: _Block) -> Note:
    head = block.bytes[:6]
    if head.startswith(b"AOC\x00"):
        endian = _byte_order(head[4:6], block.tiff.endian)
        ifd = block.ifd(6, endian=endian)
    elif head.startswith(b"PENTAX \x00"):
        endian = _byte_order(block.bytes[8:10], block.tiff.endian)
        ifd = block.ifd(10, base=block.start, endian=endian)
    else:
        ifd = block.ifd(0)
    if ifd is None:
        return Note()
    info = ifd.ints(0x0215, 5)  # CameraInfo: model, date, production code (2), internal serial
    return Note(serial=_text(ifd, 0x0229) or (str(info[4]) if info and len(info) > 4 and info[4] else None))


def _fujifilm(block: _Block) -> Note:
    note = block.bytes
    if not note.startswith(b"FUJIFILM") or len(note) < 12:
        return Note()
    skip = struct.unpack_from("<I", note, 8)[0]
    return Note(serial=_text(block.ifd(skip, block.start, "<"), 0x0010))


def _kodak(block: _Block) -> Note:
    inner = Tiff.parse(block.data, block.start)
    main = inner.first() if inner else None
    if main is None:
        return Note()
    for tag in range(0xFC00, 0xFC06):
        sub = inner.ifd_at(main.int(tag) or 0)
        serial = _text(sub, 0xFA19)
        if serial:
            return Note(serial=serial)
    return Note()


def _samsung(block: _Block) -> Note:
    return Note(serial=_text(block.ifd(0), 0xA002))


def _sigma(block: _Block) -> Note:
    if not block.bytes.startswith((b"SIGMA\x00", b"FOVEON\x00")):
        return Note()
    return Note(serial=_text(block.ifd(10), 0x0002))


def _reconyx(block: _Block) -> Note:
    """Reconyx writes fixed records: HyperFire (starts 01 F1), UltraFire, HyperFire 2."""
    note = block.bytes
    endian = block.tiff.endian
    if note.startswith(b"RECONYXUF\x00") and len(note) >= 0x5A:
        sec, minute, hour, day, month, year_lo, year_hi = note[0x3B:0x42]
        return Note(serial=decode_text(note[0x4B:0x5A]),
                    datetime_original=_clock(year_lo + 256 * year_hi, month, day, hour, minute, sec))
    if note.startswith(b"RECONYXH2\x00") and len(note) >= 0x9C:
        sec, minute, hour, day, month, year = struct.unpack_from(f"{endian}6H", note, 0x3E)
        return Note(serial=_utf16(note[0x7E:0x9C], endian),
                    datetime_original=_clock(year, month, day, hour, minute, sec))
    if note[:2] in (b"\x01\xf1", b"\xf1\x01") and len(note) >= 0x48:
        values = struct.unpack_from(f"{endian}6H", note, 0x16)
        if values[0] & 0xFF00 and not values[0] & 0xFF:  # seen written big-endian in a little-endian file
            values = tuple(((v >> 8) | (v << 8)) & 0xFFFF for v in values)
        sec, minute, hour, month, day, year = values
        return Note(serial=_utf16(note[0x2A:0x48], endian),
                    datetime_original=_clock(year, month, day, hour, minute, sec))
    return Note()


def _utf16(raw: bytes, endian: str) -> str | None:
    return decode_text(raw.decode("utf-16-le" if endian == "<" else "utf-16-be", "replace").encode("utf-8"))


def _clock(year: int, month: int, day: int, hour: int, minute: int, second: int) -> str | None:
    if not (1900 < year < 2200 and 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60
            and second < 61):
        return None
    return f"{year:04d}:{month:02d}:{day:02d} {hour:02d}:{minute:02d}:{second:02d}"


_BY_HEADER: tuple[tuple[bytes, Callable[[_Block], Note]], ...] = (
    (b"Nikon\x00", _nikon), (b"OLYMP", _olympus), (b"OM SYSTEM\x00", _olympus), (b"Panasonic\x00", _panasonic),
    (b"AOC\x00", _pentax), (b"PENTAX \x00", _pentax), (b"FUJIFILM", _fujifilm), (b"SIGMA\x00", _sigma),
    (b"FOVEON\x00", _sigma), (b"RECONYX", _reconyx), (b"\x01\xf1", _reconyx),
)
_BY_MAKE: tuple[tuple[str, Callable[[_Block], Note]], ...] = (
    ("canon", _canon), ("eastman kodak", _kodak), ("kodak", _kodak), ("samsung", _samsung),
    ("pentax", _pentax), ("asahi", _pentax), ("reconyx", _reconyx),
)


def read(exif: Ifd, entry: Entry, tiff: Tiff, make: str | None, model: str | None) -> Note:
    """Serial (and capture time where only the note has it) from the MakerNote entry."""
    if entry.count > MAX_NOTE or entry.offset < 0 or entry.offset + entry.count > len(tiff.data):
        return Note(problems=[f"MakerNote of {entry.count} bytes extends past the end of the data"])
    block = _Block(tiff.data, entry.offset, entry.offset + entry.count, tiff)
    head = block.bytes[:16]
    reader = next((r for prefix, r in _BY_HEADER if head.startswith(prefix)), None)
    if reader is None and make:
        reader = next((r for name, r in _BY_MAKE if make.lower().startswith(name)), None)
    if reader is None:
        return Note()
    try:
        return reader(block)
    except (struct.error, ValueError, IndexError):  # a note that does not fit its layout: not ours to judge
        return Note()
