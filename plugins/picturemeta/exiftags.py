"""The record's EXIF fields from a TIFF structure: camera, serial, times, GPS, thumbnail.

Values are given as ExifTool gives them with ``-n`` (GPS in signed decimal
degrees, times as written), so they can be checked against it.
"""
from __future__ import annotations

import hashlib
from fractions import Fraction
from typing import Any

from plugins.picturemeta import makernotes
from plugins.picturemeta.tiff import Ifd, Tiff

MAKE, MODEL, SOFTWARE, ORIENTATION = 0x010F, 0x0110, 0x0131, 0x0112
EXIF_IFD, GPS_IFD, XMP_TAG = 0x8769, 0x8825, 0x02BC
DATETIME_ORIGINAL, DATETIME_DIGITIZED, MAKER_NOTE = 0x9003, 0x9004, 0x927C
BODY_SERIAL, DNG_CAMERA_SERIAL = 0xA431, 0xC62F
THUMB_OFFSET, THUMB_LENGTH = 0x0201, 0x0202


def read(data: bytes, start: int = 0) -> tuple[dict[str, Any], list[str], bytes | None]:
    """EXIF fields of the TIFF structure at ``start``, the problems seen, and its XMP packet if any."""
    tiff = Tiff.parse(data, start)
    if tiff is None:
        return {}, ["EXIF block does not start with a TIFF header"], None
    ifd0 = tiff.first()
    if ifd0 is None:
        return {}, ["EXIF IFD0 offset points past the end of the data"], None
    problems: list[str] = []
    out: dict[str, Any] = {}
    exif, problem = tiff.sub_ifd(ifd0, EXIF_IFD)
    problems += [problem] if problem else []
    for key, ifd, tag in (("make", ifd0, MAKE), ("model", ifd0, MODEL), ("software", ifd0, SOFTWARE),
                          ("datetime_original", exif, DATETIME_ORIGINAL),
                          ("datetime_digitized", exif, DATETIME_DIGITIZED)):
        value = ifd.text(tag) if ifd is not None else None
        if value:
            out[key] = value
    serial = next(filter(None, (ifd.text(tag) for ifd, tag in ((exif, BODY_SERIAL), (ifd0, BODY_SERIAL),
                                                               (ifd0, DNG_CAMERA_SERIAL)) if ifd is not None)),
                  None)
    if exif is not None and MAKER_NOTE in exif.entries:
        note = makernotes.read(exif, exif.entry(MAKER_NOTE), tiff, out.get("make"), out.get("model"))
        problems += note.problems
        serial = serial or note.serial
        if note.datetime_original and "datetime_original" not in out:
            out["datetime_original"] = note.datetime_original
    if serial:
        out["serial"] = serial
    orientation = ifd0.int(ORIENTATION)
    if orientation is not None:
        out["orientation"] = orientation
    gps, problem = tiff.sub_ifd(ifd0, GPS_IFD)
    problems += [problem] if problem else []
    if gps is not None:
        values, gps_problems = gps_fields(gps)
        out.update(values)
        problems += gps_problems
    out["thumbnail"], thumb_problems = _thumbnail(tiff, ifd0)
    problems += thumb_problems
    return out, problems, ifd0.raw(XMP_TAG)


def _degrees(gps: Ifd, tag: int, ref_tag: int, negative_ref: str, limit: int, axis: str
             ) -> tuple[float | None, str | None]:
    """Signed decimal degrees from degrees/minutes/seconds rationals, or a problem."""
    if not gps.readable(tag):
        return None, f"GPS {axis} unreadable (its values lie past the end of the data)"
    values = gps.rationals(tag, 3)
    if values is None:
        return None, f"GPS {axis} unreadable (a zero denominator)"
    count = gps.entry(tag).count
    if not 1 <= count <= 3:
        return None, f"GPS {axis} has {count} values"
    degrees = sum((v / 60 ** i for i, v in enumerate(values)), Fraction(0))
    ref = (gps.text(ref_tag) or "").upper()[:1]
    if not ref:
        return None, f"GPS {axis} {float(degrees):.6f} has no hemisphere reference; position not reported"
    if degrees > limit:
        return None, f"GPS {axis} {float(degrees)} is out of range"
    return float(-degrees if ref == negative_ref else degrees), None


def _gps_time(values: list[Fraction] | None) -> str | None:
    """``HH:MM:SS[.fff]`` from the three time rationals, normalised as ExifTool does."""
    if values is None or len(values) != 3:
        return None
    total = sum(v * 60 ** (2 - i) for i, v in enumerate(values))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{float(seconds):09.6f}".rstrip("0").rstrip(".")
    return f"{int(hours):02d}:{int(minutes):02d}:{text}"


def gps_fields(gps: Ifd) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    problems: list[str] = []
    if 2 in gps.entries and 4 in gps.entries:
        lat, lat_problem = _degrees(gps, 2, 1, "S", 90, "latitude")
        lon, lon_problem = _degrees(gps, 4, 3, "W", 180, "longitude")
        problems += [p for p in (lat_problem, lon_problem) if p]
        if lat is not None and lon is not None:
            out["gps_latitude"], out["gps_longitude"] = lat, lon
    altitude = gps.rationals(6, 1)
    if altitude:
        below = gps.int(5) == 1
        out["gps_altitude"] = float(-altitude[0] if below else altitude[0])
    date, clock = gps.text(0x1D), _gps_time(gps.rationals(7, 4))
    if date and clock:
        out["gps_datetime"] = f"{date} {clock}Z"
    return out, problems


def _thumbnail(tiff: Tiff, ifd0: Ifd) -> tuple[dict[str, Any], list[str]]:
    ifd1 = tiff.ifd_at(ifd0.next) if ifd0.next else None
    if ifd1 is None or THUMB_LENGTH not in ifd1.entries:
        return {"present": False}, []
    length, offset = ifd1.int(THUMB_LENGTH), ifd1.int(THUMB_OFFSET)
    if not length:
        return {"present": False}, []
    if offset is None:
        return {"present": False}, ["EXIF thumbnail offset has no value"]
    start = tiff.start + offset
    thumb = tiff.data[start:start + length] if 0 <= start < len(tiff.data) else b""
    if not thumb:
        return {"present": False}, [f"EXIF thumbnail offset {offset} points past the end of the data"]
    problems = [f"EXIF thumbnail truncated ({len(thumb)} of {length} bytes)"] if len(thumb) < length else []
    return {"present": True, "md5": hashlib.md5(thumb).hexdigest()}, problems
