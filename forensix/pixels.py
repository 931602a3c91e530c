"""A picture's pixels from its bytes, for perceptual hashing, in bounded memory and time.

Pictures on seized media are damaged, truncated, hostile or only look like
pictures, so decoding is kept to what PDQ needs and fails fast:

* the format is decided from the first bytes, and Pillow is told to try that
  one reader only (a file that starts like a JPEG is never offered to 40
  other readers); HEIC/HEIF goes to pillow-heif, which Pillow does not read;
* the header gives the size before anything is decoded: more than
  ``MAX_PIXELS`` pixels (a decompression bomb, or a picture too large for an
  old laptop) is refused with a reason, never decoded;
* a JPEG is decoded as its luma (Y) channel, the same 0.299/0.587/0.114 mix
  PDQ computes, which skips the colour planes; a large one at 1/2, 1/4 or 1/8
  scale (libjpeg's DCT scaling, Pillow's draft mode) only while its shorter
  side keeps at least ``DRAFT_MIN_SIDE`` pixels, where ``bench/pdq_bench.py``
  measures the hash drifting by a few bits at most;
* nothing is converted or copied whole: rows are handed out in bands
  (``Picture``), the only full-size buffer is the decoder's own.

The first frame of an animation (GIF, WebP) or of a multi-page TIFF is the
picture; an EXIF thumbnail is never looked at (it is a separate, small JPEG
inside the file, and the picture is what matters). EXIF orientation is not
applied: the hash is of the picture as stored, which is how list hashes are
made; a turned copy is found by the dihedral hashes instead.
"""
from __future__ import annotations

import io
import warnings
from typing import Any, Callable

import numpy as np

from forensix.heifbrands import picture_kind

MAX_PIXELS = 50_000_000
"""Largest picture decoded: a 48-megapixel phone photo fits; about 200 MB while it is hashed."""
DRAFT_MIN_SIDE = 1024
"""A JPEG is decoded at reduced scale only while its shorter side keeps this many pixels."""
_REDUCED_IMAGE = 1
"""TIFF NewSubfileType bit: the first image is a preview (camera raw files)."""


class PictureError(Exception):
    """A picture that cannot be hashed; the message says why, in words for the examiner."""


def sniff(head: bytes) -> str | None:
    """The picture format from the first bytes, or None for anything else."""
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM" and len(head) >= 26:
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return picture_kind(head)  # HEIF or AVIF, as the EXIF reader decides it


class Picture:
    """A decoded picture's rows, handed out in bands so no whole-picture copy is made.

    ``shape`` is (height, width) for grey and (height, width, 3) for colour;
    ``picture[a:b]`` is rows ``a`` to ``b`` as a uint8 array (what
    :func:`forensix.pdq.compute` reads).
    """

    def __init__(self, shape: tuple[int, ...], rows: Callable[[int, int], np.ndarray]) -> None:
        self.shape = shape
        self.ndim = len(shape)
        self._rows = rows

    def __getitem__(self, band: slice) -> np.ndarray:
        start, stop, _ = band.indices(self.shape[0])
        return self._rows(start, stop)


def decode(data: bytes, fmt: str) -> Picture:
    """The pixels of picture ``data`` in format ``fmt`` (from :func:`sniff`); PictureError if it
    cannot or must not be decoded."""
    with warnings.catch_warnings():  # Pillow warns about large or odd pictures: the limits here decide
        warnings.simplefilter("ignore")
        try:
            return _decode_heif(data) if fmt == "HEIF" else _decode_pillow(data, fmt)
        except PictureError:
            raise
        except MemoryError:
            raise PictureError("not enough memory to decode the picture") from None
        except Exception as exc:  # decoders raise many kinds on damaged input; the message says which
            raise PictureError(_reason(exc)) from None


def _reason(exc: Exception) -> str:
    from PIL import Image, UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return "not a readable picture: its header is not one the decoder recognises"
    if isinstance(exc, Image.DecompressionBombError):
        return "declared picture size is far beyond the limit (decompression bomb?): not decoded"
    text = str(exc).splitlines()[0][:200] if str(exc) else "no details"
    return f"damaged picture, decoding stopped: {text}"


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise PictureError(f"picture of {width} x {height} pixels is larger than the "
                           f"{MAX_PIXELS // 1_000_000}-megapixel limit (decompression bomb?): not decoded")


def _decode_pillow(data: bytes, fmt: str) -> Picture:
    from PIL import Image

    image = Image.open(io.BytesIO(data), formats=[fmt])
    width, height = image.size
    if fmt == "JPEG":
        scale = _jpeg_scale(width, height)
        image.draft("L", (width // scale, height // scale))
        width, height = image.size
    elif fmt == "TIFF" and int(getattr(image, "tag_v2", {}).get(254, 0) or 0) & _REDUCED_IMAGE:
        raise PictureError("the first image of this TIFF is a reduced preview (a camera raw file?): not hashed")
    _check_size(width, height)
    image.load()
    return _rows_of(image)


def _jpeg_scale(width: int, height: int) -> int:
    """The DCT scale (1, 2, 4, 8) for a JPEG: drift-safe, and within ``MAX_PIXELS``."""
    safe = 1
    while safe < 8 and min(width, height) // (2 * safe) >= DRAFT_MIN_SIDE:
        safe *= 2
    needed = safe
    while needed < 8 and -(-width // needed) * -(-height // needed) > MAX_PIXELS:
        needed *= 2
    return needed


def _rows_of(image: Any) -> Picture:
    """Bands of a Pillow image as grey or RGB uint8 arrays."""
    if image.mode not in ("L", "RGB", "RGBA", "RGBX"):
        image = image.convert("RGB")
    width, height = image.size
    grey = image.mode == "L"

    def rows(start: int, stop: int) -> np.ndarray:
        band = np.asarray(image.crop((0, start, width, stop)))
        return band if grey else band[..., :3]
    return Picture((height, width) if grey else (height, width, 3), rows)


def _decode_heif(data: bytes) -> Picture:
    import pillow_heif

    heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    width, height = heif.size
    _check_size(width, height)
    pixels = np.asarray(heif)
    if pixels.ndim == 3:
        pixels = pixels[..., :3]
    return Picture(pixels.shape, lambda start, stop: pixels[start:stop])
