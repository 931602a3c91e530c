"""Meta's PDQ perceptual hash, computed from a picture's pixels with numpy.

PDQ (ThreatExchange, ``pdq/cpp/hashing``) blurs the luma with two passes of
box filters a 128th of the picture wide ("Jarosz" filters), samples 64 x 64
points, takes the 16 x 16 lowest non-constant DCT coefficients and sets a bit
for each one above their median. Quality (0-100) counts the strong gradients
of the 64 x 64 samples: below 50 the hash says little and is not matched.

Why our own code rather than the ``pdqhash`` binding: the binding blurs every
pixel (and first converts the whole picture to float64 luma, 35 bytes a
pixel: 420 MB for a 12-megapixel photo) and builds each hash bit by bit in
Python. The blur is linear and only 64 x 64 samples of it are used, so each
sample is a weighted sum of the few rows and columns under its filter: the
weights are computed once per picture size, and only those rows are read. The
result is the binding's hash (``tests/core/test_pdq.py`` checks it on real
pictures: identical, but for pictures under 16 pixels or flat, whose quality
is far below 50), several times faster and in bounded memory. The 8 dihedral
hashes (rotations and mirrors) come from the same DCT with signs and a
transpose, as in PDQ's own ``pdqDihedralHash256esFromFloatLuma``.

Hex form: 64 digits, most significant bit of word 15 first, which is
``numpy.packbits(pdqhash.compute(rgb)[0]).hex()`` and Meta's pdq-photo-hasher.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

HASH_BYTES = 32
THRESHOLD = 31
"""Matching distance (bits of 256) used by ThreatExchange and HMA."""
MIN_QUALITY = 50
"""Hashes of lower quality are kept but not matched (PDQ's own advice)."""
MIN_SIDE = 5
"""PDQ gives an empty hash of quality 0 below this many pixels a side."""
ORIENTATIONS = ("as-listed", "rotate90cw", "rotate180", "rotate90ccw",
                "flip-top-bottom", "mirror-left-right", "transpose", "transverse")
"""How a copy relates to the listed picture when its dihedral hash number ``i``
matches: the copy is the listed picture rotated clockwise, mirrored..."""
ORIENTATION_WORDS = {
    "as-listed": "as listed", "rotate90cw": "rotated 90° clockwise", "rotate180": "rotated 180°",
    "rotate90ccw": "rotated 90° counter-clockwise", "flip-top-bottom": "flipped top to bottom",
    "mirror-left-right": "mirrored left to right", "transpose": "mirrored along the diagonal",
    "transverse": "mirrored along the anti-diagonal",
}
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
_SAMPLES = 64
_BLOCK = 1 << 21
"""Pixels gathered at a time by the vertical pass: bounds its scratch memory (8 MiB)."""


def _dct_matrix() -> np.ndarray:
    """PDQ's 16 x 64 DCT-II rows (frequencies 1-16; the constant term is left out)."""
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    return (np.sqrt(2.0 / 64) * np.cos(np.pi / 2 / 64 * i * (2 * j + 1))).astype(np.float32).astype(np.float64)


_DCT = _dct_matrix()


@dataclass(frozen=True, slots=True)
class PdqResult:
    hash: bytes
    """32 bytes, in the hex form's order."""
    quality: int
    dihedral: tuple[bytes, ...]
    """The hashes of the picture turned as ``ORIENTATIONS`` says (the first is ``hash``);
    empty unless asked for."""

    @property
    def hex(self) -> str:
        return self.hash.hex()


@lru_cache(maxsize=512)
def _sampler(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each of the 64 samples along a side of ``n`` pixels reads, and with what weights.

    PDQ's box filter of window ``w`` sets ``out[o]`` to the mean of
    ``in[o-before .. o+after]`` clipped at the edges (``before = w - (w+2)//2``,
    ``after = (w+2)//2 - 1``); two passes of it, sampled at
    ``int((i + 0.5) * n / 64)``, weigh each input pixel by the sum over the
    first pass's pixels ``j`` of ``1 / (count(sample) * count(j))`` on ``j``'s
    own window: added up here as differences along each sample's reach of at
    most ``w`` pixels either side. Returns (first pixel each sample reads,
    weights (64, 2w + 1)).
    """
    window = (n + 2 * _SAMPLES - 1) // (2 * _SAMPLES)
    half = (window + 2) // 2
    before, after = window - half, half - 1
    picks = ((np.arange(_SAMPLES) + 0.5) * n / _SAMPLES).astype(np.int64)
    width = min(n, 2 * window + 1)
    starts = np.clip(picks - window, 0, n - width)
    first = picks[:, None] + np.arange(-before, after + 1)  # the first pass's pixels j
    inside = (first >= 0) & (first < n)
    first = np.clip(first, 0, n - 1)
    low, high = np.maximum(0, first - before), np.minimum(n - 1, first + after)
    share = inside / (inside.sum(axis=1, keepdims=True) * (high - low + 1))
    steps = np.zeros((_SAMPLES, width + 1))
    sample = np.repeat(np.arange(_SAMPLES), first.shape[1])
    np.add.at(steps, (sample, (low - starts[:, None]).ravel()), share.ravel())
    np.add.at(steps, (sample, (high + 1 - starts[:, None]).ravel()), -share.ravel())
    return starts, np.cumsum(steps, axis=1)[:, :width].astype(np.float32)


def _samples(pixels: Any) -> np.ndarray:
    """The 64 x 64 blurred luma samples of a (H, W) grey or (H, W, 3) RGB uint8 picture.

    For colour, the blur is applied to the three channels and luma (0.299 R +
    0.587 G + 0.114 B, as PDQ mixes it) taken of the 64 blurred rows: both
    are linear, so this is PDQ's luma-then-blur with a 64th of the mixing.
    """
    height, width = pixels.shape[:2]
    channels = pixels.shape[2] if len(pixels.shape) == 3 else 1
    row_start, row_weights = _sampler(height)
    col_start, col_weights = _sampler(width)
    k = row_weights.shape[1]
    vertical = np.empty((_SAMPLES, width * channels), np.float32)
    step = max(1, _BLOCK // (k * width * channels))
    for first in range(0, _SAMPLES, step):
        last = min(_SAMPLES, first + step)
        low, high = int(row_start[first]), int(row_start[last - 1]) + k
        band = pixels[low:high].reshape(high - low, width * channels)  # one read of the rows needed
        rows = band[row_start[first:last, None] - low + np.arange(k)].astype(np.float32)  # (samples, k, W*C)
        vertical[first:last] = np.matmul(row_weights[first:last, None, :], rows)[:, 0, :]
    if channels == 3:
        vertical = vertical.reshape(_SAMPLES, width, 3) @ _LUMA
    columns = vertical[:, col_start[:, None] + np.arange(col_weights.shape[1])]  # (64, 64, kc)
    return np.einsum("rok,ok->ro", columns, col_weights)


def _quality(samples: np.ndarray) -> int:
    """PDQ's gradient count: each step between neighbouring samples, in percent of 255, truncated."""
    hundred, full = np.float32(100), np.float32(255)
    down = np.trunc((samples[:-1] - samples[1:]) * hundred / full)
    across = np.trunc((samples[:, :-1] - samples[:, 1:]) * hundred / full)
    return min(100, int(np.abs(down).sum() + np.abs(across).sum()) // 90)


def _bits(coefficients: np.ndarray) -> bytes:
    """Bit ``16 i + j`` set when coefficient (i, j) is above the lower median (PDQ's Torben median)."""
    flat = coefficients.ravel()
    median = np.partition(flat, 127)[127]
    return np.packbits(flat[::-1] > median).tobytes()


_ODD = np.arange(16) % 2 == 1
_SIGN_ROWS = np.where(_ODD[:, None], 1.0, -1.0)          # odd rows kept, even rows negated
_SIGN_COLS = np.where(_ODD[None, :], 1.0, -1.0)
_SIGN_CHECKER = np.where(_ODD[:, None] ^ _ODD[None, :], -1.0, 1.0)


def _dihedral(c: np.ndarray) -> tuple[np.ndarray, ...]:
    """The coefficients of the 8 turned pictures, in ``ORIENTATIONS`` order (PDQ's sign tables)."""
    return (c, (c * _SIGN_COLS).T, c * _SIGN_CHECKER, (c * _SIGN_ROWS).T,
            c * _SIGN_ROWS, c * _SIGN_COLS, c.T, (c * _SIGN_CHECKER).T)


def compute(pixels: Any, dihedral: bool = False) -> PdqResult:
    """PDQ hash and quality of a (H, W) grey or (H, W, 3) RGB uint8 picture: a numpy array,
    or anything with ``shape`` whose row slices are such arrays (:class:`forensix.pixels.Picture`)."""
    height, width = pixels.shape[:2]
    if height < MIN_SIDE or width < MIN_SIDE:
        empty = bytes(HASH_BYTES)
        return PdqResult(empty, 0, (empty,) * len(ORIENTATIONS) if dihedral else ())
    samples = _samples(pixels)
    coefficients = _DCT @ samples.astype(np.float64) @ _DCT.T
    turned = _dihedral(coefficients) if dihedral else (coefficients,)
    hashes = tuple(_bits(c) for c in turned)
    return PdqResult(hashes[0], _quality(samples), hashes if dihedral else ())


def distance(a: bytes, b: bytes) -> int:
    """Hamming distance of two hashes."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()
