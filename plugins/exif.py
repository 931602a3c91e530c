"""Camera, serial number, time and GPS position of pictures and videos.

A photo's or a video's metadata ties it to a device (make, model, body
serial), a moment and a place, which is often the first lead in a case. The
reader runs only where the head says picture, video or XMP, and reads headers
only (``plugins/picturemeta``):

* a JPEG's metadata sits in APP segments before the image data (EXIF, XMP,
  a FLIR camera's FFF records), so the analyzer walks the marker segments as
  chunks arrive and keeps only those;
* TIFF and TIFF-based raws, WebP, AVIF, HEIC and Fuji RAF keep their metadata
  anywhere, so their first ``BUFFER_LIMIT`` bytes are kept whole and handed to
  the container's reader (Pillow, pillow-heif, or our TIFF reader);
* MP4/MOV/3GP and CR3 files are walked box by box as they stream past and
  only the ``moov`` and ``uuid`` boxes are kept (up to ``BOX_LIMIT``), and
  PNGs chunk by chunk, keeping only ``eXIf`` and ``iTXt``;
* AVCHD video (.mts/.m2ts) keeps its camera and time in the H.264 stream: the
  first ``AVCHD_LIMIT`` bytes are demultiplexed for it;
* an XMP sidecar (``.xmp``) is read as XMP.

EXIF comes first; maker notes, FLIR records, XMP and QuickTime fill what it
lacks. Damaged metadata costs one warning on the file, in words.
"""
from __future__ import annotations

import struct
from typing import Any

from forensix.heifbrands import picture_kind
from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, Finding
from plugins.picturemeta import avchd, containers, exiftags, flir, isobmff, xmp
from plugins.picturemeta.tiff import TIFF_MAGIC

NAME = "exif"
VERSION = "2.0.0"
DESCRIPTION = ("Camera, serial, time and GPS from EXIF, maker notes, XMP, QuickTime and AVCHD metadata "
               "(JPEG, TIFF/raw, PNG, WebP, AVIF, HEIC, CR3, RAF, MP4/MOV/3GP, MTS/M2TS, XMP sidecars).")
MIN_SIZE = 16

BUFFER_LIMIT = 16 * 1024 * 1024
"""Most bytes kept per picture; a raw file's EXIF and thumbnail sit well inside it."""
AVCHD_LIMIT = 4 * 1024 * 1024
"""Bytes of an AVCHD stream searched for its first MDPM (written with the first pictures)."""
BOX_LIMIT = 16 * 1024 * 1024
"""Largest ``moov``/``uuid`` box kept from a video: its metadata, and the sample tables around it."""

_QUICKTIME_TOP = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_WANTED = {
    "make": (b"Make",), "model": (b"Model",), "serial": (b"SerialNumber",), "gps_latitude": (b"GPSLatitude",),
    "datetime_original": (b"DateTimeOriginal", b"DateCreated"),
}
"""Property names an XMP packet must hold for a missing field before it is worth parsing."""


def kind_of(head: bytes) -> str | None:
    """Which reader a file needs, from its first bytes; ``None`` for no picture, video or XMP."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:4] in TIFF_MAGIC:
        return "tiff"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "raf"
    if head[4:8] == b"ftyp":
        picture = picture_kind(head)  # as the perceptual hash decides it
        return picture.lower() if picture else "bmff"
    if head[4:8] in _QUICKTIME_TOP:
        return "bmff"
    if avchd.layout(head) is not None:
        return "avchd"
    text = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xpacket", b"<x:xmpmeta")) or (text.startswith(b"<?xml") and b"<x:xmpmeta" in text):
        return "xmp"
    return None


class _JpegSegments:
    """Walks a JPEG's marker segments as chunks arrive and keeps the metadata ones.

    EXIF offsets are relative to its own TIFF header, so the segment alone reads
    as the whole picture would; the walk stops at the start of the image data.
    """

    def __init__(self) -> None:
        self._buf = b""
        self._pos = 2  # after SOI
        self._done = False
        self.exif: bytes | None = None
        self.exif_problem: str | None = None
        self.xmp: bytes | None = None
        self.flir: list[tuple[int, bytes]] = []

    def feed(self, chunk: bytes) -> None:
        if self._done:
            return
        self._buf = self._buf + chunk if self._buf else chunk  # the head alone usually suffices: no copy
        self._walk()
        if len(self._buf) >= BUFFER_LIMIT:
            self._done = True

    def finish(self) -> None:
        if self.exif is None and self._pos < len(self._buf):
            self._take(self._pos, truncated=True)

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
            elif pos + 4 > len(buf):
                return
            else:
                end = pos + 2 + int.from_bytes(buf[pos + 2:pos + 4], "big")
                if end > len(buf):
                    return
                self._take(pos)
                self._pos = end

    def _take(self, pos: int, truncated: bool = False) -> None:
        buf = self._buf
        if pos + 4 > len(buf) or buf[pos + 1] != 0xE1:  # a file cut inside a marker holds no segment
            return
        length = int.from_bytes(buf[pos + 2:pos + 4], "big")
        body = bytes(buf[pos + 4:pos + 2 + length])
        if body.startswith(b"Exif\x00") and self.exif is None:
            self.exif = body[6:]
            if truncated:
                self.exif_problem = f"EXIF segment truncated ({len(body)} of {length - 2} bytes)"
        elif body.startswith(_XMP_APP1) and self.xmp is None and not truncated:
            self.xmp = body[len(_XMP_APP1):]
        elif body.startswith(b"FLIR\x00") and len(body) > 8 and not truncated:
            self.flir.append((body[6], body[8:]))


class _ChunkFilter:
    """Walks a file's top-level chunks as they stream past and keeps only the ones named
    in ``KEEP`` (a video's ``mdat``, a PNG's ``IDAT`` are skipped, never buffered)."""

    KEEP: frozenset[bytes] = frozenset()

    def __init__(self, skip: int = 0, prefix: bytes = b"") -> None:
        self.kept = bytearray(prefix)
        self.problem: str | None = None
        self._header = bytearray()
        self._skip = skip
        self._take = 0
        self._stopped = False

    def header_size(self, header: bytes) -> int:
        return 8

    def parse(self, header: bytes) -> tuple[int | None, bytes]:
        """The length of what follows the header (``None``: stop, the chunk is damaged), and the name."""
        raise NotImplementedError

    def feed(self, chunk: bytes) -> None:
        i, n = 0, len(chunk)
        while i < n and not self._stopped:
            if self._skip:
                step = min(self._skip, n - i)
                self._skip -= step
                i += step
            elif self._take:
                step = min(self._take, n - i)
                self.kept += chunk[i:i + step]
                self._take -= step
                i += step
            else:
                need = self.header_size(bytes(self._header[:8])) - len(self._header)
                self._header += chunk[i:i + need]
                i += min(need, n - i)
                if len(self._header) >= 8 and len(self._header) >= self.header_size(bytes(self._header[:8])):
                    self._chunk()

    def _chunk(self) -> None:
        header = bytes(self._header)
        self._header = bytearray()
        body, kind = self.parse(header)
        if body is None:
            self._stopped = True
        elif kind in self.KEEP and len(self.kept) + body <= BOX_LIMIT:
            self.kept += self.kept_header(header, kind, body)
            self._take = body
        else:
            if kind in self.KEEP:  # one chunk too big, or many (a PNG of a thousand 1 MB iTXt chunks)
                self.problem = (f"'{kind.decode('latin-1')}' of {body} bytes not read (limit {BOX_LIMIT} "
                                "bytes of metadata a file)")
            self._skip = body

    def kept_header(self, header: bytes, kind: bytes, body: int) -> bytes:
        return header


class _TopLevelBoxes(_ChunkFilter):
    """ISO base media (MP4/MOV/3GP/CR3): only ``moov``, ``meta`` and ``uuid`` hold metadata."""

    KEEP = frozenset({b"moov", b"meta", b"uuid"})

    def header_size(self, header: bytes) -> int:
        return 16 if header[:4] == b"\x00\x00\x00\x01" else 8

    def parse(self, header: bytes) -> tuple[int | None, bytes]:
        size, kind = struct.unpack_from(">I4s", header)
        if size == 1:
            size = struct.unpack_from(">Q", header, 8)[0]
        if size == 0:  # to the end of the file
            return BOX_LIMIT, kind
        return (size - len(header) if size >= len(header) else None), kind

    def kept_header(self, header: bytes, kind: bytes, body: int) -> bytes:
        return struct.pack(">I4s", 8 + body, kind)


class _PngChunks(_ChunkFilter):
    """PNG: only ``eXIf`` and ``iTXt`` (XMP) hold metadata; each chunk ends with a 4-byte CRC."""

    KEEP = frozenset({b"eXIf", b"iTXt"})

    def __init__(self) -> None:
        super().__init__(skip=8, prefix=b"\x89PNG\r\n\x1a\n")

    def parse(self, header: bytes) -> tuple[int | None, bytes]:
        length, kind = struct.unpack_from(">I4s", header)
        return length + 4, kind


class _ExifAnalyzer:
    key = "exif"

    def __init__(self, kind: str, size: int) -> None:
        self._kind = kind
        self._size = size
        self._jpeg = _JpegSegments() if kind == "jpeg" else None
        self._boxes = _TopLevelBoxes() if kind == "bmff" else _PngChunks() if kind == "png" else None
        self._buf = bytearray()

    def feed(self, chunk: bytes, offset: int) -> None:
        if self._jpeg is not None:
            self._jpeg.feed(chunk)
        elif self._boxes is not None:
            self._boxes.feed(chunk)
        else:
            limit = AVCHD_LIMIT if self._kind == "avchd" else BUFFER_LIMIT
            if len(self._buf) < limit:
                self._buf += chunk[:limit - len(self._buf)]

    def finish(self, digests: Digests) -> AnalyzerResult:
        out: dict[str, Any] = {}
        problems: list[str] = []
        try:
            self._read(out, problems)
        except Exception as exc:  # a container library on hostile data: one warning in words
            problems.append(f"the {self._kind.upper()} container could not be read ({_words(exc)})")
        if problems and self._buf and self._size > BUFFER_LIMIT and self._kind != "avchd":
            problems[0] = f"(only the first {BUFFER_LIMIT} bytes were read) {problems[0]}"
        exif = out or None
        return AnalyzerResult(data=exif, findings=findings(exif) if exif else (), warnings=_one_warning(problems))

    def _read(self, out: dict[str, Any], problems: list[str]) -> None:
        kind, data = self._kind, bytes(self._buf)
        if kind == "raf":
            preview = containers.raf_jpeg(data)
            if preview is None:
                return
            self._jpeg, kind = _JpegSegments(), "jpeg"
            self._jpeg.feed(preview)
        if kind == "jpeg":
            segments = self._jpeg
            segments.finish()
            xmp_packet = segments.xmp
            if segments.exif_problem:
                problems.append(segments.exif_problem)
            if segments.exif is not None:
                xmp_packet = _exif(segments.exif, out, problems) or xmp_packet
            if segments.flir:
                _merge(out, flir.read(b"".join(part for _, part in sorted(segments.flir, key=lambda s: s[0]))))
            _xmp(xmp_packet, out, problems)
        elif kind == "tiff":
            _xmp(_exif(data, out, problems), out, problems)
        elif kind in ("png", "webp", "avif", "heif"):
            if self._boxes is not None:  # PNG: the metadata chunks kept as they streamed past
                data = bytes(self._boxes.kept)
                if self._boxes.problem:
                    problems.append(self._boxes.problem)
            reader = {"png": containers.png, "heif": containers.heif}.get(kind, containers.pillow)
            tiff, xmp_packet = reader(data)
            if tiff is not None:
                xmp_packet = _exif(tiff, out, problems) or xmp_packet
            _xmp(xmp_packet, out, problems)
        elif kind == "bmff":
            if self._boxes.problem:
                problems.append(self._boxes.problem)
            found, box_problems = isobmff.read(bytes(self._boxes.kept))
            _merge(out, found)
            problems += box_problems
        elif kind == "avchd":
            _merge(out, avchd.read(data, avchd.layout(data)))
        elif kind == "xmp":
            _xmp(xmp.packet(data) or data, out, problems, always=True)


def _exif(tiff: bytes, out: dict[str, Any], problems: list[str]) -> bytes | None:
    """Read a TIFF structure into ``out``; returns the XMP packet it holds (TIFF tag 700), if any."""
    found, exif_problems, packet = exiftags.read(tiff)
    problems += exif_problems
    _merge(out, found)
    return packet


def _xmp(packet: bytes | None, out: dict[str, Any], problems: list[str], always: bool = False) -> None:
    """Fill what is missing from an XMP packet; parsed only when it names a missing property."""
    if not packet:
        return
    if not always and not any(name in packet for key, names in _XMP_WANTED.items() if key not in out
                              for name in names):
        return
    found, xmp_problems = xmp.read(xmp.packet(packet) or packet)
    problems += xmp_problems
    _merge(out, found)


def _merge(out: dict[str, Any], found: dict[str, Any]) -> None:
    """Add what ``out`` lacks; a position is taken whole (latitude and longitude together)."""
    if "gps_latitude" in out:
        found = {k: v for k, v in found.items() if k not in ("gps_latitude", "gps_longitude")}
    for key, value in found.items():
        out.setdefault(key, value)


def _words(exc: BaseException) -> str:
    text = str(exc).split(" <_io.", 1)[0].strip()
    return text or "damaged data"


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


def _one_warning(problems: list[str]) -> tuple[str, ...]:
    if not problems:
        return ()
    more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
    return (f"EXIF damaged: {'; '.join(problems[:3])}{more}",)


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _ExifAnalyzer | None:
    kind = kind_of(head)
    return _ExifAnalyzer(kind, entry.size) if kind else None
