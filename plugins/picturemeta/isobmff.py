"""Metadata of ISO base media files: MP4/MOV/3GP videos and Canon CR3 raws.

Phones and cameras put the place, the device and the time of a video in the
``moov`` box, in one of three ways: QuickTime user data (``udta`` items such
as ``©xyz`` "+51.4169-000.0806/", ``©mak``, ``©mod``, ``©day``), Apple's
``meta`` box of named keys (``com.apple.quicktime.location.ISO6709`` ...),
or the 3GPP ``loci`` box; some add XMP. A CR3 keeps its EXIF as four TIFF
structures (``CMT1``-``CMT4``) in a Canon ``uuid`` box inside ``moov``.

Only box headers are walked, every size is checked against the data, and
nesting is bounded, so a hostile file costs no more than an honest one.
"""
from __future__ import annotations

import re
import struct
from typing import Any, Iterator

from plugins.picturemeta import exiftags, makernotes, xmp
from plugins.picturemeta.tiff import Tiff, decode_text

XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
CANON_UUID = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
MAX_DEPTH = 8
_CONTAINERS = {b"moov", b"udta", b"meta", b"ilst", b"trak", b"mdia", b"minf", b"uuid"}
_ISO6709 = re.compile(r"([+-]\d+(?:\.\d*)?)([+-]\d+(?:\.\d*)?)")
_QT_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)")
_ITEM_FIELDS = {
    b"\xa9xyz": "location", b"\xa9mak": "make", b"\xa9mod": "model", b"\xa9day": "date", b"\xa9swr": "software",
    b"com.apple.quicktime.location.ISO6709": "location", b"com.apple.quicktime.make": "make",
    b"com.apple.quicktime.model": "model", b"com.apple.quicktime.creationdate": "date",
    b"com.apple.quicktime.software": "software", b"com.android.manufacturer": "make",
    b"com.android.model": "model",
}


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload start, payload end)`` of each box in ``data[start:end]``; stops at the first
    box whose size does not fit."""
    end = len(data) if end is None else min(end, len(data))
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _text_item(data: bytes, start: int, end: int) -> str | None:
    """A QuickTime text item: an iTunes-style ``data`` box, or a (size, language, text) string."""
    for kind, payload, stop in boxes(data, start, end):
        if kind == b"data" and stop - payload >= 8:
            value_type = struct.unpack_from(">I", data, payload)[0] & 0xFFFFFF
            raw = data[payload + 8:stop]
            if value_type == 2:
                return decode_text(raw.decode("utf-16-be", "replace").encode())
            if value_type in (1, 0) or raw.isascii():
                return decode_text(raw)
            return None
    if end - start >= 4:
        length = struct.unpack_from(">H", data, start)[0]
        return decode_text(data[start + 4:start + 4 + length])
    return None


def _keys(data: bytes, start: int, end: int) -> list[bytes]:
    if end - start < 8:
        return []
    count = struct.unpack_from(">I", data, start + 4)[0]
    names, pos = [], start + 8
    for _ in range(min(count, 4096)):
        if pos + 8 > end:
            break
        size = struct.unpack_from(">I", data, pos)[0]
        if size < 8 or pos + size > end:
            break
        names.append(data[pos + 8:pos + size])
        pos += size
    return names


def _loci(data: bytes, start: int, end: int) -> tuple[float, float] | None:
    """3GPP location: full box, language, a NUL-terminated name, role, then 16.16 fixed longitude, latitude."""
    name_end = data.find(b"\x00", start + 6, end)
    if data[start + 6:start + 8] in (b"\xfe\xff", b"\xff\xfe"):  # UTF-16 name ends with two NULs
        name_end = data.find(b"\x00\x00", start + 8, end)
        name_end = name_end + 1 if name_end >= 0 else -1
    if name_end < 0 or name_end + 10 > end:
        return None
    lon, lat = struct.unpack_from(">ii", data, name_end + 2)
    return lat / 65536, lon / 65536


def iso6709(text: str) -> tuple[float, float] | None:
    """Latitude and longitude from an ISO 6709 string (degrees, DDMM or DDMMSS forms)."""
    m = _ISO6709.match(text.strip())
    if not m:
        return None
    values = []
    for part, degree_digits in zip(m.groups(), (2, 3)):
        sign = -1 if part[0] == "-" else 1
        whole, _, fraction = part[1:].partition(".")
        number = float(part[1:])
        if len(whole) == degree_digits + 2:  # DDMM.mm
            number = int(whole[:degree_digits]) + float(whole[degree_digits:] + "." + (fraction or "0")) / 60
        elif len(whole) == degree_digits + 4:  # DDMMSS.ss
            number = (int(whole[:degree_digits]) + int(whole[degree_digits:degree_digits + 2]) / 60
                      + float(whole[degree_digits + 2:] + "." + (fraction or "0")) / 3600)
        values.append(sign * number)
    lat, lon = values
    return (lat, lon) if abs(lat) <= 90 and abs(lon) <= 180 else None


def _qt_date(text: str) -> str:
    m = _QT_DATE.match(text)
    return "{}:{}:{} {}:{}:{}".format(*m.groups()) if m else text


class _Collector:
    """Walks ``moov`` and gathers what the record needs."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.items: dict[str, str] = {}
        self.location: tuple[float, float] | None = None
        self.xmp: bytes | None = None
        self.cmt: dict[bytes, bytes] = {}

    def walk(self, start: int, end: int, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        data = self.data
        keys: list[bytes] = []
        for kind, payload, stop in boxes(data, start, end):
            if kind == b"meta":
                # QuickTime's meta is a plain box, ISO's a full box (4 bytes of version and flags)
                plain = data[payload + 4:payload + 8] in (b"hdlr", b"keys", b"ilst", b"free")
                inner = payload if plain else payload + 4
                self.walk(inner, stop, depth + 1)
            elif kind == b"keys":
                keys = _keys(data, payload, stop)
            elif kind == b"ilst":
                self._ilst(payload, stop, keys)
            elif kind in _ITEM_FIELDS:
                self._item(_ITEM_FIELDS[kind], _text_item(data, payload, stop))
            elif kind == b"loci" and self.location is None:
                self.location = _loci(data, payload, stop)
            elif kind == b"XMP_":
                self.xmp = data[payload:stop]
            elif kind == b"uuid" and stop - payload >= 16:
                ident = data[payload:payload + 16]
                if ident == XMP_UUID:
                    self.xmp = data[payload + 16:stop]
                elif ident == CANON_UUID:
                    self.walk(payload + 16, stop, depth + 1)
            elif kind in (b"CMT1", b"CMT2", b"CMT3", b"CMT4"):
                self.cmt[kind] = data[payload:stop]
            elif kind in _CONTAINERS:
                self.walk(payload, stop, depth + 1)

    def _ilst(self, start: int, end: int, keys: list[bytes]) -> None:
        for kind, payload, stop in boxes(self.data, start, end):
            index = struct.unpack(">I", kind)[0]
            name = keys[index - 1] if keys and 1 <= index <= len(keys) else kind
            if name in _ITEM_FIELDS:
                self._item(_ITEM_FIELDS[name], _text_item(self.data, payload, stop))

    def _item(self, field: str, value: str | None) -> None:
        if not value or field in self.items:
            return
        self.items[field] = value
        if field == "location" and self.location is None:
            self.location = iso6709(value)


def read(data: bytes) -> tuple[dict[str, Any], list[str]]:
    """The record's fields from the top-level boxes of an ISO base media file (``moov``, ``uuid``)."""
    collector = _Collector(data)
    collector.walk(0, len(data))
    out: dict[str, Any] = {}
    problems: list[str] = []
    if collector.cmt:
        out, problems = _cr3(collector.cmt)
    for field in ("make", "model", "software"):
        if field in collector.items:
            out.setdefault(field, collector.items[field])
    if "date" in collector.items:
        out.setdefault("datetime_original", _qt_date(collector.items["date"]))
    if collector.location is not None:
        out.setdefault("gps_latitude", collector.location[0])
        out.setdefault("gps_longitude", collector.location[1])
    if collector.xmp:
        found, xmp_problems = xmp.read(collector.xmp)
        problems += xmp_problems
        for key, value in found.items():
            out.setdefault(key, value)
    return out, problems


def _cr3(cmt: dict[bytes, bytes]) -> tuple[dict[str, Any], list[str]]:
    """EXIF of a CR3: CMT1 is IFD0, CMT2 the EXIF IFD, CMT3 Canon's maker note, CMT4 the GPS IFD,
    each a TIFF structure of its own."""
    out, problems, _ = exiftags.read(cmt.get(b"CMT1", b""))
    out.pop("thumbnail", None)
    exif = Tiff.parse(cmt.get(b"CMT2", b""))
    exif_ifd = exif.first() if exif else None
    if exif_ifd is not None:
        for key, tag in (("datetime_original", exiftags.DATETIME_ORIGINAL),
                         ("datetime_digitized", exiftags.DATETIME_DIGITIZED), ("serial", exiftags.BODY_SERIAL)):
            value = exif_ifd.text(tag)
            if value:
                out.setdefault(key, value)
    note = Tiff.parse(cmt.get(b"CMT3", b""))
    if note is not None and "serial" not in out:
        serial = makernotes.canon_serial(note.first())
        if serial:
            out["serial"] = serial
    gps = Tiff.parse(cmt.get(b"CMT4", b""))
    gps_ifd = gps.first() if gps else None
    if gps_ifd is not None:
        values, gps_problems = exiftags.gps_fields(gps_ifd)
        out.update(values)
        problems += gps_problems
    return out, [p for p in problems if not p.startswith("EXIF block does not start")]
