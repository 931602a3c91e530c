"""The PDQ hashes of a hash set, and a multi-index that finds every one within a distance.

Why multi-index hashing in numpy rather than FAISS (``IndexBinaryMultiHash``,
what HMA uses): a scan opens the index in every worker process, and must open
a set of millions in milliseconds without loading it. FAISS keeps its hash
tables as in-memory maps, filled when an index is loaded, so each worker would
hold its own copy; these tables are flat sorted arrays, memory-mapped like the
digest index, so opening costs nothing and the page cache is shared by every
process. The search is a few numpy calls, whatever the number of queries.

How it finds every hash within ``t`` bits (Norouzi et al., "Fast search in
Hamming space with multi-index hashing"): ``TABLES`` disjoint chunks of ``w``
bits each are cut from the 256 bits. If two hashes differ in at most ``t``
bits, some chunk differs in at most ``t // TABLES`` of them (pigeonhole; the
generalised form in ``_flips`` lets some tables try one bit fewer), so trying
every chunk value within that many bits of the query's, in every table,
reaches every candidate; each candidate is then checked on all 256 bits.
With 11 tables and ``t = 31`` that is 277 values in ten tables and 24 in
one; ``w`` grows with the set (23 bits from 8 million hashes up: about one row
per value), so a query touches some 2,800 table slots and 3,300 candidates at
10 million hashes instead of 10 million comparisons. A small set is compared in full.

Files, beside the digest index (``entries`` M = the set's entries with a PDQ):

* ``pdq.hash``  M x 32 bytes, the hashes, in entry order
* ``pdq.pid``   M x uint32, the payload id (entry number) of each
* ``pdq.runs``  TABLES x (2**w + 1) uint32: for each table, where the rows whose
  chunk has each value start in that table's part of ``pdq.rows``
* ``pdq.rows``  TABLES x M uint32: hash rows in ascending order of each table's chunk

All tables sit in one pair of files so a search does each step for every
table in one numpy call: a scan asks 8 hashes at a time, where the cost of a
call, not of the data, would otherwise dominate.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, Callable

import numpy as np

from forensix.hashsets.entries import PDQ_BYTES

TABLES = 11
MAX_CHUNK_BITS = 23
"""11 x 23 = 253 of the 256 bits: a chunk plus its bit offset always fits one 32-bit word."""
HASH_FILE, PID_FILE, RUNS_FILE, ROWS_FILE = "pdq.hash", "pdq.pid", "pdq.runs", "pdq.rows"
ROW = np.dtype("<u4")
BLOCK = 1 << 20
"""Hashes read at a time while the tables are built."""
CANDIDATES = 1 << 20
"""Candidates checked at a time by a search: bounds its scratch memory (about 64 MiB)."""

_ITEM = np.dtype((np.void, PDQ_BYTES))
"""A hash as one 32-byte item: gathered in one copy rather than four words."""
Mapper = Callable[[str, np.dtype], np.ndarray]
"""Memory-maps an index file as an array (``HashSet._map``)."""


def chunk_bits(count: int) -> int:
    """``w`` for ``count`` hashes: about one hash per chunk value, at most ``MAX_CHUNK_BITS``."""
    return max(1, min(MAX_CHUNK_BITS, count.bit_length() - 1))


def chunks(hashes: np.ndarray, tables: np.ndarray, bits: int) -> np.ndarray:
    """(n, len(tables)) uint32: chunk t is bits ``t * bits`` to ``(t + 1) * bits`` (most
    significant first) of each (n, 32) uint8 hash."""
    byte, shift = np.divmod(np.asarray(tables) * bits, 8)
    b = hashes[:, byte[:, None] + np.arange(4)].astype(np.uint32)  # the 4 bytes holding each chunk
    word = (b[..., 0] << 24) | (b[..., 1] << 16) | (b[..., 2] << 8) | b[..., 3]
    return (word >> (32 - shift - bits).astype(np.uint32)) & np.uint32((1 << bits) - 1)


def build_tables(directory: Path, count: int, order: Callable[[np.ndarray], np.ndarray]) -> dict[str, Any]:
    """Write the tables for the ``count`` hashes already in ``pdq.hash``; ``order`` is a stable
    ascending argsort of uint32 keys. Returns the manifest facts."""
    bits = chunk_bits(count)
    hashes = np.memmap(directory / HASH_FILE, np.uint8, mode="r", shape=(count, PDQ_BYTES))
    with open(directory / RUNS_FILE, "wb") as runs_file, open(directory / ROWS_FILE, "wb") as rows_file:
        for table in range(TABLES):
            keys = np.concatenate([chunks(hashes[i:i + BLOCK], np.array([table]), bits).ravel()
                                   for i in range(0, count, BLOCK)])
            runs = np.zeros((1 << bits) + 1, ROW)
            np.cumsum(np.bincount(keys, minlength=1 << bits), out=runs[1:])
            runs_file.write(runs.tobytes())
            rows_file.write(order(keys).astype(ROW).tobytes())
    del hashes
    return {"entries": count, "tables": TABLES, "chunk_bits": bits}


def _pairs(runs: np.ndarray) -> np.ndarray:
    """``runs[i]`` and ``runs[i + 1]`` as one little-endian uint64 (an overlapping, read-only view)."""
    if len(runs) < 2:
        return np.zeros(0, np.uint64)
    return np.ndarray((len(runs) - 1,), np.dtype("<u8"), buffer=runs, strides=(ROW.itemsize,))


@lru_cache(maxsize=64)
def _masks(bits: int, flips: int) -> np.ndarray:
    """Every ``bits``-bit value with at most ``flips`` bits set."""
    values = [sum(1 << b for b in chosen)
              for r in range(min(flips, bits) + 1) for chosen in combinations(range(bits), r)]
    return np.array(values, np.uint32)


class PdqIndex:
    """The PDQ part of an opened hash set; nothing is read until a search touches it."""

    def __init__(self, facts: dict[str, Any], mapper: Mapper) -> None:
        self.count: int = facts["entries"]
        self.bits: int = facts["chunk_bits"]
        self.tables: int = facts["tables"]
        self._items = mapper(HASH_FILE, _ITEM)
        self.pids = mapper(PID_FILE, ROW)
        self._bounds = _pairs(mapper(RUNS_FILE, ROW))
        self._rows = mapper(ROWS_FILE, ROW)
        self._run_span = (1 << self.bits) + 1

    def search(self, queries: bytes | np.ndarray, threshold: int, threads: int = 1) -> tuple[np.ndarray, ...]:
        """Every (query number, row, distance) with distance <= ``threshold``, each pair once.

        ``queries`` is n x 32 bytes; rows index ``pids``. ``threads`` > 1 splits
        the queries over threads (numpy releases the GIL in its loops)."""
        q = np.frombuffer(queries, np.uint8) if isinstance(queries, bytes) else np.asarray(queries, np.uint8)
        q = np.ascontiguousarray(q).reshape(-1, PDQ_BYTES)
        flips = self._flips(threshold)
        per_query = int(sum(len(_masks(self.bits, f)) for f in flips if f >= 0) * (1 + self.count / (1 << self.bits)))
        brute = per_query >= self.count  # a small set: comparing every hash is cheaper
        step = max(1, CANDIDATES // (self.count if brute else max(1, per_query)))

        def block(first: int) -> tuple[np.ndarray, ...]:
            part = q[first:first + step]
            which, rows = self._every(len(part)) if brute else self._probe(part, flips)
            return self._check(first, part, which, rows, threshold)

        firsts = range(0, len(q), step)
        if threads > 1 and len(firsts) > 1:
            with ThreadPoolExecutor(threads) as pool:
                found = list(pool.map(block, firsts))
        else:
            found = [block(first) for first in firsts]
        if not found:
            return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0, np.intp)
        return tuple(np.concatenate(parts) for parts in zip(*found))

    def _flips(self, threshold: int) -> list[int]:
        """Bits to flip in each table's chunk (-1: table not needed).

        The generalised pigeonhole (Qin et al., GPH): some chunk ``i`` is within
        ``f_i`` bits whenever the ``f_i + 1`` add up to more than ``threshold``;
        11 tables at 31 bits: ten at 2 and one at 1."""
        base = threshold // self.tables
        spare = self.tables * (base + 1) - (threshold + 1)
        return [base - 1 if table < spare else base for table in range(self.tables)]

    def _every(self, queries: int) -> tuple[np.ndarray, np.ndarray]:
        return np.repeat(np.arange(queries), self.count), np.tile(np.arange(self.count), queries)

    def _probe(self, q: np.ndarray, flips: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(query, row) of every row whose chunk, in some table, is within that table's flips
        of the query's: every table at once."""
        tables = np.array([t for t, f in enumerate(flips) if f >= 0])
        masks = _masks(self.bits, max(flips))
        # masks come by number of bits set: a table allowed one flip fewer takes a prefix of them
        usable = np.arange(len(masks)) < np.array([len(_masks(self.bits, flips[t])) for t in tables])[:, None]
        probes = (chunks(q, tables, self.bits)[:, :, None] ^ masks)[:, usable]  # (queries, probes)
        table_of = np.broadcast_to(tables[:, None], usable.shape)[usable]
        bounds = self._bounds[(probes + (table_of * self._run_span)).ravel().astype(np.intp)]
        low = (bounds & 0xFFFFFFFF).astype(np.intp)
        counts = (bounds >> 32).astype(np.intp) - low
        ends = np.cumsum(counts)
        total = int(ends[-1]) if len(ends) else 0
        base = np.tile(table_of * self.count, len(q)) + low - ends + counts
        rows = self._rows[np.arange(total) + np.repeat(base, counts)]
        which = np.repeat(np.repeat(np.arange(len(q)), probes.shape[1]), counts)
        return which, rows.astype(np.intp)

    def _check(self, first: int, q: np.ndarray, which: np.ndarray, rows: np.ndarray,
               threshold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keep the candidates within ``threshold`` on all 256 bits, each (query, row) once.

        Hashes are gathered as 32-byte items and counted word by word: several
        times faster than indexing and summing (n, 4) arrays."""
        listed = self._items[rows].view("<u8").reshape(-1, 4)
        asked = q.view(_ITEM).ravel()[which].view("<u8").reshape(-1, 4)
        distance = np.bitwise_count(listed[:, 0] ^ asked[:, 0]).astype(np.intp)
        for word in range(1, 4):
            distance += np.bitwise_count(listed[:, word] ^ asked[:, word])
        near = distance <= threshold
        which, rows, distance = which[near], rows[near], distance[near]
        if len(which) > 1:
            _, once = np.unique(which * self.count + rows, return_index=True)
            which, rows, distance = which[once], rows[once], distance[once]
        return which + first, rows, distance
