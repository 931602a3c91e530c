"""The on-disk index of one hash set: a directory of flat binary files.

Per algorithm present (md5, sha1, sha256), with N the entries that have
such a digest, in files split by how often a lookup needs them:

* ``ALGO.table`` (2**B + 1) x uint32: the row of ``ALGO.key`` where each run
  of keys with the same top ``B`` bits starts (the last value is N). Digests
  are uniformly distributed, so ``B`` is chosen for a few rows per run and a
  lookup finds its run by plain indexing instead of a binary search.
* ``ALGO.key``  N x uint32: the first 4 bytes of each digest (big-endian value),
  in ascending order; within its run a query is compared with these only, so
  a miss reads nothing else. Memory-mapped.
* ``ALGO.pid``  N x uint32: the payload id (entry number) of each key.
* ``ALGO.rest`` one (size - 4)-byte record per entry, in entry order: the rest
  of the digest (zeros when the entry has none), read with ``pread`` at the
  payload id to confirm a candidate. In entry order rather than key order so
  the import writes it as it reads and sorts 8 bytes an entry, not 36.

Per entry (payload id): ``meta.cat`` uint16 index into the manifest's
category list (``NO_CATEGORY`` when none), ``meta.size`` int64 (-1 when
unknown), and for each text field the set has (manifest ``text_fields``) a
blob of NUL-terminated UTF-8 strings with ``.off`` uint64 start offsets
(entries + 1, the last one the blob's end); a field no entry has gets no files.
PDQ hashes, when the set has any, have files of their own (``pdq.*``,
described in :mod:`forensix.hashsets.pdqindex`). ``manifest.json`` says what the set is; it is written last and the whole
directory is renamed into place, so an index is complete or absent.
"""
from __future__ import annotations

import numpy as np

MANIFEST = "manifest.json"
LAYOUT_VERSION = 3
"""3: PDQ hashes and their multi-index (:mod:`forensix.hashsets.pdqindex`) when the set has any."""
KEY_BYTES = 4
KEY = np.dtype("<u4")
PID = np.dtype("<u4")
ROW_START = np.dtype("<u4")
CATEGORY = np.dtype("<u2")
SIZE = np.dtype("<i8")
OFFSET = np.dtype("<u8")
NO_CATEGORY = 0xFFFF
TEXT_FIELDS = ("media_id", "name", "extra")
ROWS_PER_RUN = 4
"""Aimed-at rows per run of the table: the table costs a quarter of the key file."""
MAX_TABLE_BITS = 24


def table_bits(rows: int) -> int:
    """``B`` for ``rows`` digests: about ``ROWS_PER_RUN`` rows per run, a 64 MiB table at most."""
    return max(0, min(MAX_TABLE_BITS, (rows // ROWS_PER_RUN).bit_length() - 1))


def key_file(algo: str) -> str:
    return f"{algo}.key"


def table_file(algo: str) -> str:
    return f"{algo}.table"


def pid_file(algo: str) -> str:
    return f"{algo}.pid"


def rest_file(algo: str) -> str:
    return f"{algo}.rest"


def text_file(field: str) -> str:
    return f"meta.{field}.txt"


def offset_file(field: str) -> str:
    return f"meta.{field}.off"


def keys_of(digests: np.ndarray) -> np.ndarray:
    """uint32 search keys of an (n, size) uint8 digest array: its first 4 bytes, big-endian."""
    return np.ascontiguousarray(digests[:, :KEY_BYTES]).view(">u4").ravel().astype(KEY)
