"""Camera, serial number, time and GPS position from EXIF.

A photo's EXIF ties it to a device (make, model, body serial), a moment and a
place, which is often the first lead in a case. exifread does the parsing; this
module decides which bytes it sees and keeps its failures on damaged input to
one warning on the file:

* a JPEG's EXIF is one APP1 segment before the image data, so the analyzer
  walks the marker segments as chunks arrive and keeps only that segment;
  TIFF, camera raw and HEIC files keep offsets anywhere, so their first
  ``BUFFER_LIMIT`` bytes are kept whole;
* exifread trusts the counts it reads (a MakerNote may claim four billion
  bytes, read one at a time), so it reads through a file object with a budget
  of reads that turns such a loop into an error instead of a hang;
* exifread reports damage through the ``logging`` module; those records are
  captured and become the file's warning instead of console noise.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import exifread
from exifread.core.exceptions import ExifNotFound

from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, Finding

NAME = "exif"
VERSION = "1.0.0"
DESCRIPTION = "Camera, serial, time and GPS from EXIF in JPEG/TIFF/HEIC/raw pictures."
MIN_SIZE = 16

BUFFER_LIMIT = 16 * 1024 * 1024
"""Most bytes kept per file; a raw file's EXIF and thumbnail sit well inside it."""

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"MMOR", b"IIU\x00")
"""TIFF and the TIFF-based raw formats (CR2, NEF, ARW, DNG, PEF, ORF, RW2) exifread reads."""
_HEIF_BRANDS = (b"ftypheic", b"ftypavif", b"ftypmif1")
"""The ISO-BMFF brands exifread looks into."""

_SERIAL_TAGS = ("EXIF BodySerialNumber", "Image BodySerialNumber", "EXIF SerialNumber", "Image SerialNumber")
_log = logging.getLogger(__name__)


class _ReadBudgetExceeded(Exception):
    """exifread was looping over a count no real picture has."""


class _BudgetedReader(io.BytesIO):
    """A BytesIO that fails after ``budget`` reads, bounding exifread's per-item loops."""

    def __init__(self, data: bytes, budget: int) -> None:
        super().__init__(data)
        self._left = budget

    def read(self, size: int | None = -1) -> bytes:
        self._left -= 1
        if self._left < 0:
            raise _ReadBudgetExceeded("an entry's count is far larger than the data")
        return super().read(size)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not isinstance(record.msg, ExifNotFound):  # 'no EXIF here' is not damage
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def _exifread_warnings() -> Iterator[list[str]]:
    """Capture exifread's log warnings instead of letting them reach the console."""
    logger = logging.getLogger("exifread")
    collector = _WarningCollector()
    saved = logger.propagate, logger.level
    logger.addHandler(collector)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
        logger.propagate, logger.level = saved


def _run_exifread(data: bytes, *, details: bool, thumbnail: bool) -> tuple[dict[str, Any], list[str]]:
    reader = _BudgetedReader(data, budget=2 * len(data) + 50_000)
    with _exifread_warnings() as messages:
        tags = exifread.process_file(reader, details=details, extract_thumbnail=thumbnail)
    return tags, messages


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def read_tags(data: bytes) -> tuple[dict[str, Any], list[str]]:
    """exifread's tags for ``data`` (a whole TIFF-like file or SOI + APP1), and the damage seen.

    A damaged thumbnail IFD can make exifread raise after the useful tags were
    read, so a failing pass is retried without thumbnail extraction.
    """
    problems: list[str] = []
    for thumbnail in (True, False):
        try:
            tags, logged = _run_exifread(data, details=False, thumbnail=thumbnail)
        except Exception as exc:  # exifread raises whatever damaged data provokes (IndexError, struct.error ...)
            problems.append(f"{_describe(exc)} while reading {'the thumbnail' if thumbnail else 'the tags'}")
            continue
        return tags, problems + logged
    return {}, problems


def _makernote_serial(data: bytes) -> tuple[str | None, list[str]]:
    """The body serial some makers keep only in their MakerNote (Canon, Nikon, Olympus).

    MakerNote decoding is exifread's least robust part and a MakerNote it cannot
    decode is not damage, so only an absurd count is reported; other failures are quiet.
    """
    try:
        tags, _ = _run_exifread(data, details=True, thumbnail=False)
    except _ReadBudgetExceeded as exc:
        return None, [f"MakerNote: {exc}"]
    except Exception as exc:  # see read_tags
        _log.debug("MakerNote not decoded: %s", _describe(exc))
        return None, []
    return _text(tags.get("MakerNote SerialNumber")), []


def _text(tag: Any) -> str | None:
    if tag is None:
        return None
    value = tag.values
    if isinstance(value, bytes):  # exifread leaves undecodable strings as bytes
        value = value.decode("utf-8", "replace")
    elif not isinstance(value, str):
        value = tag.printable
    return value.strip() or None


def _fraction(value: Any) -> Fraction:
    """Exact value of a rational (or integer) EXIF value; ValueError when it has none."""
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        if value.denominator == 0:  # exifread keeps n/0 as a Ratio with a zero denominator
            raise ValueError("zero denominator")
        return Fraction(value.numerator, value.denominator)
    raise ValueError(f"not a number: {value!r}")


def _degrees(tag: Any, ref_tag: Any, negative_ref: str, limit: int, axis: str) -> tuple[float | None, str | None]:
    """Signed decimal degrees from degrees/minutes/seconds rationals, or a problem."""
    values = tag.values if isinstance(tag.values, list) else []
    if not 1 <= len(values) <= 3:
        return None, f"GPS {axis} has {len(values)} values"
    try:
        degrees = sum((_fraction(v) / 60 ** i for i, v in enumerate(values)), Fraction(0))
    except ValueError as exc:
        return None, f"GPS {axis} unreadable ({exc})"
    ref = (_text(ref_tag) or "").upper()[:1]
    if not ref:
        return None, f"GPS {axis} {float(degrees):.6f} has no hemisphere reference; position not reported"
    if degrees > limit:
        return None, f"GPS {axis} {float(degrees)} is out of range"
    return float(-degrees if ref == negative_ref else degrees), None


def _gps_time(tag: Any) -> str | None:
    """``HH:MM:SS[.fff]`` from the three time rationals, normalised as ExifTool does."""
    values = tag.values if isinstance(tag.values, list) else []
    if len(values) != 3:
        return None
    try:
        total = sum(_fraction(v) * 60 ** (2 - i) for i, v in enumerate(values))
    except ValueError:
        return None
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{float(seconds):09.6f}".rstrip("0").rstrip(".")
    return f"{int(hours):02d}:{int(minutes):02d}:{text}"


def _gps(tags: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    problems: list[str] = []
    lat_tag, lon_tag = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLongitude")
    if lat_tag is not None and lon_tag is not None:
        lat, lat_problem = _degrees(lat_tag, tags.get("GPS GPSLatitudeRef"), "S", 90, "latitude")
        lon, lon_problem = _degrees(lon_tag, tags.get("GPS GPSLongitudeRef"), "W", 180, "longitude")
        problems += [p for p in (lat_problem, lon_problem) if p]
        if lat is not None and lon is not None:
            out["gps_latitude"], out["gps_longitude"] = lat, lon
    altitude = tags.get("GPS GPSAltitude")
    if altitude is not None and isinstance(altitude.values, list) and altitude.values:
        try:
            metres = _fraction(altitude.values[0])
        except ValueError as exc:
            problems.append(f"GPS altitude unreadable ({exc})")
        else:
            ref = tags.get("GPS GPSAltitudeRef")
            below = ref is not None and isinstance(ref.values, list) and ref.values[:1] == [1]
            out["gps_altitude"] = float(-metres if below else metres)
    date, time = _text(tags.get("GPS GPSDate")), tags.get("GPS GPSTimeStamp")
    clock = _gps_time(time) if time is not None else None
    if date and clock:
        out["gps_datetime"] = f"{date} {clock}Z"
    return out, problems


def _thumbnail(tags: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    thumb = tags.get("JPEGThumbnail")
    if not thumb:
        return {"present": False}, []
    declared = tags.get("Thumbnail JPEGInterchangeFormatLength")
    expected = declared.values[0] if declared is not None and declared.values else len(thumb)
    problems = [f"EXIF thumbnail truncated ({len(thumb)} of {expected} bytes)"] if len(thumb) < expected else []
    return {"present": True, "md5": hashlib.md5(thumb).hexdigest()}, problems


def summarise(tags: dict[str, Any], data: bytes) -> tuple[dict[str, Any], list[str]]:
    """The record's ``exif`` value from exifread's tags, and the problems found in them."""
    out: dict[str, Any] = {}
    for key, tag_name in (("make", "Image Make"), ("model", "Image Model"), ("software", "Image Software"),
                          ("datetime_original", "EXIF DateTimeOriginal"),
                          ("datetime_digitized", "EXIF DateTimeDigitized")):
        value = _text(tags.get(tag_name))
        if value:
            out[key] = value
    problems = [f"{label} IFD offset {tag.values[0]} points past the end of the data"
                for label, tag in (("EXIF", tags.get("Image ExifOffset")), ("GPS", tags.get("Image GPSInfo")))
                if tag is not None and tag.values and isinstance(tag.values[0], int) and tag.values[0] >= len(data)]
    serial = next(filter(None, (_text(tags.get(name)) for name in _SERIAL_TAGS)), None)
    if serial is None and "make" in out:
        serial, makernote_problems = _makernote_serial(data)
        problems += makernote_problems
    if serial:
        out["serial"] = serial
    orientation = tags.get("Image Orientation")
    if orientation is not None and isinstance(orientation.values, list) and orientation.values:
        out["orientation"] = orientation.values[0]
    gps, gps_problems = _gps(tags)
    out.update(gps)
    out["thumbnail"], thumb_problems = _thumbnail(tags)
    return out, problems + gps_problems + thumb_problems


def findings(exif: dict[str, Any]) -> tuple[Finding, ...]:
    """Report findings: where (GPS) and with what device (camera) the picture was taken."""
    found = []
    if "gps_latitude" in exif:
        detail = {k: exif[k] for k in ("gps_latitude", "gps_longitude", "gps_altitude", "gps_datetime") if k in exif}
        found.append(Finding(plugin=NAME, kind="gps", value=f"{exif['gps_latitude']:.6f},{exif['gps_longitude']:.6f}",
                             detail=detail))
    camera = {k: exif[k] for k in ("make", "model", "serial") if k in exif}
    if "make" in camera or "model" in camera:
        found.append(Finding(plugin=NAME, kind="camera", value=" ".join(camera.values()), detail=camera))
    return tuple(found)


class _JpegExifSegment:
    """Walks a JPEG's marker segments as chunks arrive and keeps the EXIF APP1 segment.

    EXIF offsets are relative to its own TIFF header, so that segment behind an
    SOI marker reads the same in exifread as the whole picture; and the walk does
    not depend on exifread's 4000-byte look-ahead, which misses an APP1 placed
    after a large ICC profile. Buffering stops at the start of the image data.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 2  # after SOI
        self._start: int | None = None
        self._done = False

    def feed(self, chunk: bytes) -> None:
        if self._done:
            return
        self._buf += chunk
        self._walk()
        if len(self._buf) >= BUFFER_LIMIT:
            self._done = True

    def _walk(self) -> None:
        buf = self._buf
        while not self._done:
            pos = self._pos
            if pos + 2 > len(buf):
                return
            marker = buf[pos + 1]
            if buf[pos] != 0xFF or marker in (0xD9, 0xDA):  # damage, end of image, start of scan
                self._done = True
            elif marker == 0xFF:  # fill byte before a marker
                self._pos += 1
            elif pos + 8 > len(buf):
                return
            elif marker == 0xE1 and buf[pos + 4:pos + 8] == b"Exif":
                self._start = pos
                self._done = pos + 2 + int.from_bytes(buf[pos + 2:pos + 4], "big") <= len(buf)
                return
            else:
                self._pos = pos + 2 + int.from_bytes(buf[pos + 2:pos + 4], "big")

    def exif_stream(self) -> tuple[bytes | None, list[str]]:
        """SOI + the EXIF segment (None when there is none), and a problem if it was cut short."""
        if self._start is None:
            return None, []
        length = int.from_bytes(self._buf[self._start + 2:self._start + 4], "big")
        segment = bytes(self._buf[self._start:self._start + 2 + length])
        problems = [] if len(segment) == length + 2 else [
            f"EXIF segment truncated ({len(segment) - 4} of {length - 2} bytes)"]
        return b"\xff\xd8" + segment, problems


class _ExifAnalyzer:
    key = "exif"

    def __init__(self, jpeg: bool, size: int) -> None:
        self._jpeg = _JpegExifSegment() if jpeg else None
        self._buf = bytearray()
        self._size = size

    def feed(self, chunk: bytes, offset: int) -> None:
        if self._jpeg is not None:
            self._jpeg.feed(chunk)
        elif len(self._buf) < BUFFER_LIMIT:
            self._buf += chunk[:BUFFER_LIMIT - len(self._buf)]

    def finish(self, digests: Digests) -> AnalyzerResult:
        if self._jpeg is not None:
            data, problems = self._jpeg.exif_stream()
            if data is None:
                return AnalyzerResult()
        else:
            data, problems = bytes(self._buf), []
        tags, read_problems = read_tags(data)
        problems += read_problems
        exif = None
        if tags:
            exif, summary_problems = summarise(tags, data)
            problems += summary_problems
        if problems and self._jpeg is None and self._size > BUFFER_LIMIT:
            problems[0] = f"(only the first {BUFFER_LIMIT} bytes were read) {problems[0]}"
        return AnalyzerResult(data=exif, findings=findings(exif) if exif else (), warnings=_one_warning(problems))


def _one_warning(problems: list[str]) -> tuple[str, ...]:
    if not problems:
        return ()
    more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
    return (f"EXIF damaged: {'; '.join(problems[:3])}{more}",)


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _ExifAnalyzer | None:
    if head[:3] == b"\xff\xd8\xff":
        return _ExifAnalyzer(jpeg=True, size=entry.size)
    if head[:4] in _TIFF_MAGIC or head[4:12] in _HEIF_BRANDS:
        return _ExifAnalyzer(jpeg=False, size=entry.size)
    return None
