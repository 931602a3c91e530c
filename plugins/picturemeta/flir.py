"""Serial, capture time and GPS of a FLIR thermal camera, from the JPEG's FLIR APP1 segments.

FLIR cameras keep them not in EXIF but in an FFF structure split over APP1
segments (``FLIR\\0``, a format byte, the segment's index and the last index):
a header, a directory of 32-byte records, and among the records a CameraInfo
(serial at 0x104, capture time at 0x384) and a GPSInfo (little-endian).
"""
from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone
from typing import Any

from plugins.picturemeta.tiff import decode_text

_CAMERA_INFO, _GPS_INFO = 0x20, 0x2B
MAX_RECORDS = 256


def _endian(header: bytes) -> str | None:
    for endian in (">", "<"):
        if 100 <= struct.unpack_from(f"{endian}I", header, 0x14)[0] < 200:
            return endian
    return None


def _records(data: bytes) -> dict[int, bytes]:
    if len(data) < 0x40 or data[:4] not in (b"FFF\x00", b"AFF\x00"):
        return {}
    endian = _endian(data)
    if endian is None:
        return {}
    position, count = struct.unpack_from(f"{endian}II", data, 0x18)
    records: dict[int, bytes] = {}
    for entry in range(position, position + 0x20 * min(count, MAX_RECORDS), 0x20):
        if entry + 0x20 > len(data):
            break
        kind = struct.unpack_from(f"{endian}H", data, entry)[0]
        offset, length = struct.unpack_from(f"{endian}II", data, entry + 0x0C)
        if kind and offset + length <= len(data):
            records.setdefault(kind, data[offset:offset + length])
    return records


def _capture_time(info: bytes, endian: str) -> str | None:
    """``YYYY:MM:DD hh:mm:ss.mmm+hh:mm`` in the camera's local time, as ExifTool gives it."""
    if len(info) < 0x38E:
        return None
    seconds, millis = struct.unpack_from(f"{endian}II", info, 0x384)
    zone = struct.unpack_from(f"{endian}h", info, 0x38C)[0]  # minutes west of UTC
    if not seconds or abs(zone) > 24 * 60:
        return None
    local = datetime.fromtimestamp(seconds, timezone.utc) - timedelta(minutes=zone)
    sign, offset = ("-", zone) if zone > 0 else ("+", -zone)
    return f"{local:%Y:%m:%d %H:%M:%S}.{millis & 0xFFFF:03d}{sign}{offset // 60:02d}:{offset % 60:02d}"


def read(data: bytes) -> dict[str, Any]:
    """The record's fields from the reassembled FFF data of a JPEG's FLIR segments."""
    records = _records(data)
    out: dict[str, Any] = {}
    info = records.get(_CAMERA_INFO, b"")
    if len(info) >= 0x114:
        endian = "<" if struct.unpack_from("<H", info, 0)[0] < 0x100 else ">"
        serial = decode_text(info[0x104:0x114])
        if serial:
            out["serial"] = serial
        when = _capture_time(info, endian)
        if when:
            out["datetime_original"] = when
    gps = records.get(_GPS_INFO, b"")
    if len(gps) >= 0x20 and struct.unpack_from("<I", gps, 0)[0] == 1:
        lat, lon = struct.unpack_from("<dd", gps, 0x10)
        lat_ref, lon_ref = gps[8:9].upper(), gps[10:11].upper()
        if abs(lat) <= 90 and abs(lon) <= 180:
            out["gps_latitude"] = -abs(lat) if lat_ref == b"S" else abs(lat) if lat_ref == b"N" else lat
            out["gps_longitude"] = -abs(lon) if lon_ref == b"W" else abs(lon) if lon_ref == b"E" else lon
    return out
