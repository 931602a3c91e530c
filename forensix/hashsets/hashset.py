"""An opened hash-set index: instant to open, never loaded into RAM.

Only the run tables and the uint32 key arrays are memory-mapped (a miss
touches one table entry and a few keys); a candidate is confirmed and its
metadata read with ``pread``, which leaves the page cache, not this process,
holding the rest. A query that is not in the set becomes a candidate when a
key of its run is equal by chance: about one in 400 at 10 million entries
(4.8 rows per run, 11 key bits beyond the run's); a candidate costs two
``pread`` (payload id, rest of the digest).

Two forms of the same search, because their fixed costs differ: a batch is
searched with a dozen numpy calls whatever its length, cheap per digest only
for thousands of digests; one file's digests (the scan's ``lookup``) are
searched with plain integer arithmetic, a few microseconds each.
"""
from __future__ import annotations

import json
import mmap
import os
from pathlib import Path
from typing import Any

import numpy as np

from forensix.hashsets import layout
from forensix.hashsets.entries import ALGORITHMS, HashSetError
from forensix.hashsets.pdqindex import PdqIndex
from forensix.hashsets.schemes import get_scheme


class HashSet:
    """One imported set; ``lookup`` gives the ``hash_matches`` items of a file."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory)
        try:
            manifest = json.loads((self.path / layout.MANIFEST).read_text())
        except OSError:
            raise HashSetError(f"{self.path}: not a hash-set index (its manifest cannot be read)") from None
        except ValueError:
            raise HashSetError(f"{self.path}: not a hash-set index (its manifest is not valid JSON)") from None
        if manifest.get("layout") != layout.LAYOUT_VERSION:
            raise HashSetError(f"{self.path}: index layout {manifest.get('layout')} is not supported; re-import the set")
        self.manifest: dict[str, Any] = manifest
        self.name: str = manifest["name"]
        self.kind: str = manifest["kind"]
        self.fmt: str = manifest["format"]
        self.source_path: str = manifest["source_path"]
        self.source_sha256: str = manifest["source_sha256"]
        self.entries: int = manifest["entries"]
        self.imported_at: str = manifest["imported_at"]
        self.rejected: int = manifest.get("rejected", 0)
        self.warnings: tuple[str, ...] = tuple(manifest.get("warnings", ()))
        self.scheme = get_scheme(manifest["scheme"])
        self.categories: list[str] = manifest["categories"]
        self.algorithms: dict[str, int] = manifest["algorithms"]
        self.text_fields: tuple[str, ...] = tuple(manifest["text_fields"])
        self._bits: dict[str, int] = manifest["table_bits"]
        self._alert_by_code = np.array([self._alerts(c) for c in self.categories] + [self._alerts(None)], bool)
        self._fds: dict[str, int] = {}
        self._maps: list[mmap.mmap] = []
        self._keys = {algo: self._map(layout.key_file(algo), layout.KEY) for algo in self.algorithms}
        self._tables = {algo: self._map(layout.table_file(algo), layout.ROW_START) for algo in self.algorithms}
        self.pdq: PdqIndex | None = PdqIndex(manifest["pdq"], self._map) if manifest.get("pdq") else None
        """The set's PDQ hashes, when it has any (``near`` searches them)."""

    def __repr__(self) -> str:
        return f"HashSet({self.name!r}, kind={self.kind!r}, entries={self.entries})"

    def __enter__(self) -> HashSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._keys, self._tables, self.pdq = {}, {}, None
        for m in self._maps:
            try:
                m.close()
            except BufferError:  # an array a caller still holds views it: unmapped when that goes
                pass
        for fd in self._fds.values():
            os.close(fd)
        self._maps, self._fds = [], {}

    def _alerts(self, category: str | None) -> bool:
        """Whether a match alerts: by kind first, then by the scheme for categorised entries."""
        if self.kind == "alert":
            return True
        if self.kind == "known-good":
            return False
        return category is None or self.scheme.alerts(category)

    def _map(self, name: str, dtype: np.dtype) -> np.ndarray:
        with open(self.path / name, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return np.empty(0, dtype)
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._maps.append(m)
        return np.frombuffer(m, dtype)

    def _pread(self, name: str, size: int, offset: int) -> bytes:
        fd = self._fds.get(name)
        if fd is None:
            fd = self._fds[name] = os.open(self.path / name, os.O_RDONLY)
        return os.pread(fd, size, offset)

    # -- batched lookups -------------------------------------------------------------------

    def match_many(self, algo: str, digests: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Every (query number, payload id) pair whose digests are equal.

        ``digests`` is the queries' raw digests back to back.
        """
        keys = self._keys.get(algo)
        size = ALGORITHMS[algo]
        if keys is None or not len(keys) or not digests:
            return np.empty(0, np.intp), np.empty(0, layout.PID)
        queries = np.frombuffer(digests, np.uint8).reshape(-1, size)
        which, rows = self._candidates(algo, layout.keys_of(queries))
        if not len(rows):
            return np.empty(0, np.intp), np.empty(0, layout.PID)
        pids = self._pids(algo, rows.tolist())
        equal = (self._rests(algo, pids) == queries[which, layout.KEY_BYTES:]).all(axis=1)
        return which[equal], np.array(pids, layout.PID)[equal]

    def _candidates(self, algo: str, qkeys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(query number, row) of every row in the query's run whose key equals the query's.

        Each query's run is a few rows, so every row of every run is compared in
        one flat pass rather than binary-searched one step per numpy call."""
        bits, table = self._bits[algo], self._tables[algo]
        run = (qkeys >> (32 - bits)).astype(np.intp) if bits else np.zeros(len(qkeys), np.intp)
        lo = table[run].astype(np.intp)
        counts = table[run + 1].astype(np.intp) - lo
        which = np.repeat(np.arange(len(qkeys)), counts)
        rows = np.arange(len(which)) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
        hit = self._keys[algo][rows] == qkeys[which]
        return which[hit], rows[hit]

    def _pids(self, algo: str, rows: list[int]) -> list[int]:
        """Payload ids of the candidate ``rows`` of ``ALGO.key``."""
        name, size = layout.pid_file(algo), layout.PID.itemsize
        return np.frombuffer(b"".join([self._pread(name, size, row * size) for row in rows]), layout.PID).tolist()

    def _rests(self, algo: str, pids: list[int]) -> np.ndarray:
        """The digests of entries ``pids`` after their key bytes, as a (len(pids), size - 4) array."""
        name, size = layout.rest_file(algo), ALGORITHMS[algo] - layout.KEY_BYTES
        blob = b"".join([self._pread(name, size, pid * size) for pid in pids])
        return np.frombuffer(blob, np.uint8).reshape(len(pids), size)

    def contains_many(self, algo: str, digests: bytes) -> np.ndarray:
        """For each query digest, whether the set holds it (the benchmark's batched path)."""
        hit = np.zeros(len(digests) // ALGORITHMS[algo], bool)
        hit[self.match_many(algo, digests)[0]] = True
        return hit

    # -- one file ----------------------------------------------------------------------------

    def lookup(self, md5: str | None = None, sha1: str | None = None, sha256: str | None = None) -> list[dict[str, Any]]:
        """The exact ``hash_matches`` items for one file: one per matching entry, no duplicates."""
        payloads: set[int] = set()
        for algo, text in (("md5", md5), ("sha1", sha1), ("sha256", sha256)):
            if text and algo in self._keys:
                try:
                    digest = bytes.fromhex(text)
                except ValueError:
                    continue
                if len(digest) == ALGORITHMS[algo]:
                    payloads.update(self._match_one(algo, digest))
        matches: dict[tuple[Any, ...], dict[str, Any]] = {}
        for pid in sorted(payloads):
            match = self.match(pid)
            matches.setdefault(tuple(match.values()), {**match, "match": "exact"})
        return list(matches.values())

    def near(self, hashes: bytes, threshold: int) -> list[tuple[int, int, int]]:
        """(query number, payload id, distance) of every entry whose PDQ is within ``threshold``
        bits of one of the queries (``hashes``: 32 bytes each), nearest first."""
        if self.pdq is None:
            return []
        which, rows, distance = self.pdq.search(hashes, threshold)
        found = sorted(zip(distance.tolist(), which.tolist(), self.pdq.pids[rows].tolist()))
        return [(query, pid, bits) for bits, query, pid in found]

    def _match_one(self, algo: str, digest: bytes) -> list[int]:
        """Payload ids of the entries whose ``algo`` digest is ``digest``: :meth:`match_many`
        for a single query, in Python integers (see the module docstring)."""
        key, bits = int.from_bytes(digest[:layout.KEY_BYTES], "big"), self._bits[algo]
        run = key >> (32 - bits) if bits else 0
        lo, hi = self._tables[algo][run:run + 2].tolist()
        rows = [lo + i for i, k in enumerate(self._keys[algo][lo:hi].tolist()) if k == key]
        if not rows:
            return []
        pids = self._pids(algo, rows)
        rests = self._rests(algo, pids)
        return [pid for pid, rest in zip(pids, rests) if rest.tobytes() == digest[layout.KEY_BYTES:]]

    def match(self, pid: int) -> dict[str, Any]:
        """The ``hash_matches`` item for entry ``pid``."""
        code = int(np.frombuffer(self._pread("meta.cat", 2, pid * 2), layout.CATEGORY)[0])
        category = self.categories[code] if code != layout.NO_CATEGORY else None
        match = {
            "set": self.name,
            "kind": self.kind,
            "category": category,
            "alert": bool(self._alert_by_code[min(code, len(self.categories))]),
            "media_id": self.text(pid, "media_id"),
        }
        if category is not None:  # a category means nothing without the scheme that reads it
            match["scheme"] = self.scheme.name
        return match

    def text(self, pid: int, field: str) -> str | None:
        """One text field of entry ``pid`` (``media_id``, ``name``, ``extra``); None when empty."""
        if field not in self.text_fields:
            return None
        start, end = np.frombuffer(self._pread(layout.offset_file(field), 16, pid * 8), layout.OFFSET).tolist()
        value = self._pread(layout.text_file(field), end - start - 1, start).decode("utf-8", "replace")
        return value or None

    def describe(self, pid: int) -> dict[str, Any]:
        """Everything the set says about entry ``pid`` (for ``hashset info`` and debugging)."""
        size = int(np.frombuffer(self._pread("meta.size", 8, pid * 8), layout.SIZE)[0])
        extra = self.text(pid, "extra")
        return {**self.match(pid), "name": self.text(pid, "name"), "size": None if size < 0 else size,
                **(json.loads(extra) if extra else {})}
