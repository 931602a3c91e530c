"""The on-disk index of one hash set: a directory of flat binary files.

Per algorithm present (md5, sha1, sha256), N records sorted by digest, split
into three parallel files so a lookup touches as little as possible:

* ``ALGO.key``  N x uint32: the first 4 bytes of the digest (big-endian value),
  memory-mapped and binary-searched; the only file a miss ever reads.
* ``ALGO.sample`` every ``SAMPLE_EVERY``-th key (N / 16 x uint32): small enough to
  stay in CPU cache, it narrows a search to one 64-byte block of ``ALGO.key``.
* ``ALGO.rest`` N x (size - 4) bytes: the rest of the digest, read with
  ``pread`` only for candidates, to confirm a hit.
* ``ALGO.pid``  N x uint32: the payload id (the entry's number in the set).

Per entry (payload id): ``meta.cat`` uint16 index into the manifest's
category list (``NO_CATEGORY`` when none), ``meta.size`` int64 (-1 when
unknown), and for each text field a blob of NUL-terminated UTF-8 strings with
``.off`` uint64 start offsets (N + 1, the last one the blob's end).
``manifest.json`` says what the set is; it is written last and the whole
directory is renamed into place, so an index is complete or absent.
"""
from __future__ import annotations

import numpy as np

MANIFEST = "manifest.json"
LAYOUT_VERSION = 1
KEY_BYTES = 4
KEY = np.dtype("<u4")
PID = np.dtype("<u4")
CATEGORY = np.dtype("<u2")
SIZE = np.dtype("<i8")
OFFSET = np.dtype("<u8")
NO_CATEGORY = 0xFFFF
SAMPLE_EVERY = 16
"""Keys per block: 64 bytes, one cache line. ``ALGO.key`` is padded with 0xFFFFFFFF
to whole blocks; the padding sorts last and ranks are clipped to N."""
TEXT_FIELDS = ("media_id", "name", "extra")


def key_file(algo: str) -> str:
    return f"{algo}.key"


def sample_file(algo: str) -> str:
    return f"{algo}.sample"


def rest_file(algo: str) -> str:
    return f"{algo}.rest"


def pid_file(algo: str) -> str:
    return f"{algo}.pid"


def text_file(field: str) -> str:
    return f"meta.{field}.txt"


def offset_file(field: str) -> str:
    return f"meta.{field}.off"


def keys_of(digests: np.ndarray) -> np.ndarray:
    """uint32 search keys of an (n, size) uint8 digest array: its first 4 bytes, big-endian."""
    return np.ascontiguousarray(digests[:, :KEY_BYTES]).view(">u4").ravel().astype(KEY)
