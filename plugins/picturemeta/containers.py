"""Where the EXIF and XMP of a picture container sit: WebP, AVIF, HEIC, PNG, Fuji RAF.

WebP and AVIF go through Pillow and HEIC through pillow-heif, the maintained
readers of those containers (libwebp, libavif, libheif): opening a picture
reads its headers and metadata items, not its pixels. PNG is walked chunk by
chunk here, because Pillow reports only the chunks before the image data
unless it decodes the image, and cameras and editors put ``eXIf`` after it.
A RAF holds a JPEG preview whose APP1 carries the EXIF; the caller reads it
as any JPEG.

Every reader returns ``(tiff_bytes, xmp_bytes)``, either possibly ``None``.
"""
from __future__ import annotations

import io
import struct
import warnings
import zlib

from PIL import Image

MAX_PNG_CHUNKS = 10_000
MAX_INFLATED_XMP = 4 << 20


def _tiff(exif: bytes | None) -> bytes | None:
    """The TIFF structure inside an EXIF blob (with or without its ``Exif\\0\\0`` prefix)."""
    if not exif:
        return None
    for start in (0, 6, 4, 10):  # bare, "Exif\0\0", HEIF's 4-byte offset, both
        if exif[start:start + 4] in (b"II*\x00", b"MM\x00*"):
            return exif[start:]
    return None


def pillow(data: bytes) -> tuple[bytes | None, bytes | None]:
    """EXIF and XMP of a WebP or AVIF through Pillow (headers only; pixels are not decoded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as picture:
            info = picture.info
            return _tiff(info.get("exif")), info.get("xmp") or info.get("XML:com.adobe.xmp")


def heif(data: bytes) -> tuple[bytes | None, bytes | None]:
    """EXIF and XMP items of a HEIF/HEIC through pillow-heif (libheif)."""
    import pillow_heif  # loaded on first HEIC: libheif costs ~20 ms to load

    picture = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=False)
    if not len(picture):  # pillow-heif's info then raises IndexError ("list index out of range")
        raise ValueError("it holds no picture libheif can read")
    return _tiff(picture.info.get("exif")), picture.info.get("xmp")


def png(data: bytes) -> tuple[bytes | None, bytes | None]:
    """The ``eXIf`` chunk and the XMP ``iTXt`` chunk of a PNG, wherever they sit."""
    exif = xmp = None
    pos = 8
    for _ in range(MAX_PNG_CHUNKS):
        if pos + 8 > len(data):
            break
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = data[pos + 8:pos + 8 + length]
        if kind == b"eXIf" and exif is None:
            exif = _tiff(body)
        elif kind == b"iTXt" and body.startswith(b"XML:com.adobe.xmp\x00") and xmp is None:
            xmp = _itxt(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    return exif, xmp


def _itxt(body: bytes) -> bytes | None:
    """The text of an iTXt chunk: keyword, compression flag and method, language, translated keyword, text."""
    keyword_end = body.find(b"\x00")
    compressed = body[keyword_end + 1:keyword_end + 2] == b"\x01"
    language_end = body.find(b"\x00", keyword_end + 3)
    translated_end = body.find(b"\x00", language_end + 1)
    if language_end < 0 or translated_end < 0:
        return None
    text = body[translated_end + 1:]
    if compressed:
        inflater = zlib.decompressobj()
        text = inflater.decompress(text, MAX_INFLATED_XMP)
    return text


def raf_jpeg(data: bytes) -> bytes | None:
    """The JPEG preview of a Fuji RAF (its offset and length are at bytes 84 and 88)."""
    if len(data) < 92:
        return None
    offset, length = struct.unpack_from(">II", data, 84)
    preview = data[offset:offset + length]
    return preview if preview.startswith(b"\xff\xd8") else None
