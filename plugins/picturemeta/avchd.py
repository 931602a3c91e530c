"""Camera, capture time and GPS of AVCHD video (.mts/.m2ts), from the H.264 stream's MDPM.

AVCHD camcorders and cameras write no container metadata: the device and the
moment are in the video stream itself, in the "Modified Digital Video Pack
Metadata" of an H.264 SEI user-data message (UUID 17ee8c60-f84d-11d9-8cd6-
0800200c9a66) in the first pictures. The transport stream is demultiplexed
(188-byte packets, or 192 with M2TS's 4-byte timestamp), the SEI found in the
packets' payloads, its emulation-prevention bytes removed, and the 5-byte
MDPM entries (a tag and 4 data bytes) read as ExifTool documents them.
"""
from __future__ import annotations

import re
from typing import Any

MDPM_UUID = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
MAKES = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}
"""The maker codes of MDPM tag 0xE0 (ExifTool's H264 table)."""
_EMULATION = re.compile(rb"\x00\x00\x03(?=[\x00-\x03])")
MAX_PACKETS = 20_000


def layout(head: bytes) -> int | None:
    """Where the sync byte of each packet sits: 0 for a .ts (188-byte packets), 4 for an .m2ts (192)."""
    for offset, size in ((0, 188), (4, 192)):
        if len(head) > offset + 2 * size and all(head[offset + i * size] == 0x47 for i in range(3)):
            return offset
    return None


def _payloads(data: bytes, offset: int) -> dict[int, bytearray]:
    """Each PID's payload bytes, in packet order."""
    size = 188 + offset
    streams: dict[int, bytearray] = {}
    for pos in range(offset, min(len(data) - 187, offset + size * MAX_PACKETS), size):
        if data[pos] != 0x47:
            break
        pid = ((data[pos + 1] & 0x1F) << 8) | data[pos + 2]
        control = (data[pos + 3] >> 4) & 3
        start = pos + 4
        if control == 3:
            start += 1 + data[pos + 4]
        if control in (1, 3) and start < pos + 188:
            streams.setdefault(pid, bytearray()).extend(data[start:pos + 188])
    return streams


def _bcd(byte: int) -> int:
    return (byte >> 4) * 10 + (byte & 0x0F)


def _rational16(raw: bytes) -> float | None:
    numerator, denominator = int.from_bytes(raw[:2], "big"), int.from_bytes(raw[2:4], "big")
    return numerator / denominator if denominator else None


def _entries(stream: bytes) -> dict[int, bytes]:
    at = stream.find(MDPM_UUID)
    if at < 0:
        return {}
    body = _EMULATION.sub(b"\x00\x00", bytes(stream[at + len(MDPM_UUID):at + len(MDPM_UUID) + 2048]))
    count = body[0] if body else 0
    return {body[i]: body[i + 1:i + 5] for i in range(1, min(1 + 5 * count, len(body) - 4), 5)}


def _datetime(entries: dict[int, bytes]) -> str | None:
    first, second = entries.get(0x18), entries.get(0x19)
    if not first or not second:
        return None
    zone, century, year, month = first
    day, hour, minute, sec = second
    text = (f"{_bcd(century):02d}{_bcd(year):02d}:{_bcd(month):02d}:{_bcd(day):02d} "
            f"{_bcd(hour):02d}:{_bcd(minute):02d}:{_bcd(sec):02d}")
    if not re.fullmatch(r"\d{4}:(0[1-9]|1[0-2]):(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d", text):
        return None
    sign = "-" if zone & 0x20 else "+"
    return f"{text}{sign}{(zone >> 1) & 0x0F:02d}:{'30' if zone & 1 else '00'}{' DST' if zone & 0x40 else ''}"


def _coordinate(entries: dict[int, bytes], first: int, ref: int, negative: bytes) -> float | None:
    parts = [_rational16(entries[tag]) if tag in entries else None for tag in (first, first + 1, first + 2)]
    if any(p is None for p in parts):
        return None
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    return -value if entries.get(ref, b"")[:1] == negative else value


def read(data: bytes, offset: int) -> dict[str, Any]:
    """The record's fields from the first MDPM in the transport stream ``data``."""
    entries: dict[int, bytes] = {}
    for stream in _payloads(data, offset).values():
        entries = _entries(stream)
        if entries:
            break
    out: dict[str, Any] = {}
    if 0xE0 in entries:
        make = MAKES.get(int.from_bytes(entries[0xE0][:2], "big"))
        if make:
            out["make"] = make
    model = b"".join(entries.get(tag, b"") for tag in (0xE4, 0xE5, 0xE6)).split(b"\x00", 1)[0].strip()
    if model and model.isascii() and out.get("make") == "Sony":
        out["model"] = model.decode("ascii")
    when = _datetime(entries)
    if when:
        out["datetime_original"] = when
    lat, lon = _coordinate(entries, 0xB2, 0xB1, b"S"), _coordinate(entries, 0xB6, 0xB5, b"W")
    if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
        out["gps_latitude"], out["gps_longitude"] = lat, lon
    return out
