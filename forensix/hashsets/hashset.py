"""An opened hash-set index: instant to open, never loaded into RAM.

Only the uint32 key arrays are memory-mapped (4 bytes per digest, so a miss
touches one page of them); a candidate is confirmed and its metadata read with
``pread``, which leaves the page cache, not this process, holding the rest.
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
from forensix.hashsets.schemes import get_scheme


class HashSet:
    """One imported set; ``lookup`` gives the ``hash_matches`` items of a file."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory)
        try:
            manifest = json.loads((self.path / layout.MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise HashSetError(f"{self.path}: not a hash-set index ({exc.__class__.__name__})") from None
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
        self._alert_by_code = np.array([self._alerts(c) for c in self.categories] + [self._alerts(None)], bool)
        self._fds: dict[str, int] = {}
        self._maps: list[mmap.mmap] = []
        self._keys = {algo: self._map(layout.key_file(algo), layout.KEY) for algo in self.algorithms}
        self._samples = {algo: np.fromfile(self.path / layout.sample_file(algo), layout.KEY) for algo in self.algorithms}

    def __repr__(self) -> str:
        return f"HashSet({self.name!r}, kind={self.kind!r}, entries={self.entries})"

    def __enter__(self) -> HashSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._keys = {}
        for m in self._maps:
            m.close()
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
        qkeys = layout.keys_of(queries)
        lo = self._rank(algo, qkeys, "left")
        hi = self._rank(algo, qkeys, "right")
        found = hi > lo
        candidates, lo, hi = np.flatnonzero(found), lo[found], hi[found]
        if not len(candidates):
            return np.empty(0, np.intp), np.empty(0, layout.PID)
        rest_size = size - layout.KEY_BYTES
        rests, pids = self._rows(algo, rest_size, lo.tolist(), hi.tolist())
        which = np.repeat(candidates, hi - lo)
        equal = (rests.reshape(-1, rest_size) == queries[which, layout.KEY_BYTES:]).all(axis=1)
        return which[equal], pids[equal]

    def _rank(self, algo: str, qkeys: np.ndarray, side: str) -> np.ndarray:
        """How many keys are < (left) or <= (right) each query key: the in-cache sample
        finds the block, one 64-byte row of the mapped keys gives the count within it."""
        keys, every = self._keys[algo], layout.SAMPLE_EVERY
        block = np.maximum(np.searchsorted(self._samples[algo], qkeys, side) - 1, 0)
        rows = keys.reshape(-1, every)[block]
        below = rows < qkeys[:, None] if side == "left" else rows <= qkeys[:, None]
        return np.minimum(block * every + below.sum(axis=1), self.algorithms[algo])

    def _rows(self, algo: str, rest_size: int, lo: list[int], hi: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Rest-of-digest bytes and payload ids of the row ranges [lo, hi)."""
        rest_name, pid_name = layout.rest_file(algo), layout.pid_file(algo)
        pid_size = layout.PID.itemsize
        rests = b"".join(self._pread(rest_name, (h - l) * rest_size, l * rest_size) for l, h in zip(lo, hi))
        pids = b"".join(self._pread(pid_name, (h - l) * pid_size, l * pid_size) for l, h in zip(lo, hi))
        return np.frombuffer(rests, np.uint8), np.frombuffer(pids, layout.PID)

    def contains_many(self, algo: str, digests: bytes) -> np.ndarray:
        """For each query digest, whether the set holds it (the benchmark's batched path)."""
        hit = np.zeros(len(digests) // ALGORITHMS[algo], bool)
        hit[self.match_many(algo, digests)[0]] = True
        return hit

    # -- one file ----------------------------------------------------------------------------

    def lookup(self, md5: str | None = None, sha1: str | None = None, sha256: str | None = None) -> list[dict[str, Any]]:
        """The ``hash_matches`` items for one file: one per matching entry, no duplicates."""
        payloads: set[int] = set()
        for algo, text in (("md5", md5), ("sha1", sha1), ("sha256", sha256)):
            if text and algo in self._keys:
                try:
                    digest = bytes.fromhex(text)
                except ValueError:
                    continue
                if len(digest) == ALGORITHMS[algo]:
                    payloads.update(self.match_many(algo, digest)[1].tolist())
        matches: dict[tuple[Any, ...], dict[str, Any]] = {}
        for pid in sorted(payloads):
            match = self.match(pid)
            matches.setdefault(tuple(match.values()), match)
        return list(matches.values())

    def match(self, pid: int) -> dict[str, Any]:
        """The ``hash_matches`` item for entry ``pid``."""
        code = int(np.frombuffer(self._pread("meta.cat", 2, pid * 2), layout.CATEGORY)[0])
        category = self.categories[code] if code != layout.NO_CATEGORY else None
        return {
            "set": self.name,
            "kind": self.kind,
            "category": category,
            "alert": bool(self._alert_by_code[min(code, len(self.categories))]),
            "media_id": self.text(pid, "media_id"),
        }

    def text(self, pid: int, field: str) -> str | None:
        """One text field of entry ``pid`` (``media_id``, ``name``, ``extra``); None when empty."""
        start, end = np.frombuffer(self._pread(layout.offset_file(field), 16, pid * 8), layout.OFFSET).tolist()
        value = self._pread(layout.text_file(field), end - start - 1, start).decode("utf-8", "replace")
        return value or None

    def describe(self, pid: int) -> dict[str, Any]:
        """Everything the set says about entry ``pid`` (for ``hashset info`` and debugging)."""
        size = int(np.frombuffer(self._pread("meta.size", 8, pid * 8), layout.SIZE)[0])
        extra = self.text(pid, "extra")
        return {**self.match(pid), "name": self.text(pid, "name"), "size": None if size < 0 else size,
                **(json.loads(extra) if extra else {})}
