"""Build an index directory (see :mod:`forensix.hashsets.layout`) from a stream of entries.

Scale is NSRL's (tens of millions of entries), so nothing grows with the set
in memory: entries are gathered in batches, turned into columns with a few
C-speed calls, and digests are spread into ``BUCKETS`` files by their top
bits. Each bucket is then small enough to sort alone with numpy, and the
buckets, in order, concatenate into the sorted index.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Mapping, Sequence

import numpy as np

from forensix.hashsets import layout
from forensix.hashsets.entries import ALGORITHMS, HashEntry, HashSetError

BATCH = 1 << 18
BUCKET_BITS = 6
BUCKETS = 1 << BUCKET_BITS


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries in columns, as vectorised readers produce them and as the writer stores them."""

    count: int
    digests: Mapping[str, np.ndarray]
    """algo -> (count, size) uint8; an all-zero row means the entry has no such digest."""
    sizes: np.ndarray
    """int64, -1 where unknown."""
    texts: Mapping[str, tuple[bytes, np.ndarray]] = field(default_factory=dict)
    """field -> (blob, start offset of each value in it); a value ends one byte before the next starts."""
    categories: Sequence[str | None] | None = None


def rows_to_batch(rows: Sequence[HashEntry]) -> Batch:
    """Columns from entries with a few C-speed calls (zip, join) rather than a loop per field."""
    columns = list(zip(*rows))
    digests = {}
    for slot, (algo, size) in enumerate(ALGORITHMS.items()):
        values = columns[slot]
        missing = values.count(None)
        if missing < len(values):
            blank = bytes(size)
            joined = b"".join(values) if not missing else b"".join(d or blank for d in values)
            digests[algo] = np.frombuffer(joined, np.uint8).reshape(-1, size)
    sizes = columns[6]
    return Batch(
        count=len(rows),
        digests=digests,
        sizes=np.array(sizes if None not in sizes else [-1 if v is None else v for v in sizes], layout.SIZE),
        texts={f: _text_column(c) for f, c in zip(layout.TEXT_FIELDS, (columns[4], columns[5], columns[7]))},
        categories=columns[3] if columns[3].count(None) < len(rows) else None,
    )


def _text_column(column: Sequence[str | None]) -> tuple[bytes, np.ndarray]:
    """NUL-terminated strings; their start offsets come from one vectorised NUL search."""
    values = column if None not in column else [v or "" for v in column]
    blob = ("\0".join(values) + "\0").encode("utf-8", "replace")
    ends = np.flatnonzero(np.frombuffer(blob, np.uint8) == 0)
    if len(ends) != len(values):  # a NUL inside a value: rare, replace it
        blob = ("\0".join(v.replace("\0", " ") for v in values) + "\0").encode("utf-8", "replace")
        ends = np.flatnonzero(np.frombuffer(blob, np.uint8) == 0)
    return blob, np.concatenate(([0], ends[:-1] + 1))


class IndexWriter:
    """Write into an empty directory; ``finish`` leaves it a complete index but for the manifest."""

    def __init__(self, directory: Path, batch: int = BATCH) -> None:
        self.dir = directory
        self.entries = 0
        self._batch = batch
        self._rows: list[HashEntry] = []
        self._categories: dict[str, int] = {}
        self._buckets: dict[tuple[str, int], IO[bytes]] = {}
        self._text_ends = dict.fromkeys(layout.TEXT_FIELDS, 0)
        self._meta = {name: open(directory / name, "wb") for name in (
            "meta.cat", "meta.size", *map(layout.text_file, layout.TEXT_FIELDS),
            *map(layout.offset_file, layout.TEXT_FIELDS))}

    def add(self, item: HashEntry | Batch) -> None:
        """Hot path for row readers: one append per entry, the work happens per batch."""
        if type(item) is Batch:
            self._flush()
            self._store(item)
            return
        self._rows.append(item)
        if len(self._rows) >= self._batch:
            self._flush()

    def finish(self) -> dict[str, Any]:
        """Sort the buckets into the final files; return the manifest facts they imply."""
        self._flush()
        for field_name in layout.TEXT_FIELDS:
            self._meta[layout.offset_file(field_name)].write(
                np.array([self._text_ends[field_name]], layout.OFFSET).tobytes())
        self.close()
        counts = {algo: self._sort(algo) for algo in ALGORITHMS if any(a == algo for a, _ in self._buckets)}
        categories = sorted(self._categories, key=self._categories.__getitem__)
        per_category = np.bincount(np.fromfile(self.dir / "meta.cat", layout.CATEGORY), minlength=len(categories))
        return {
            "entries": self.entries,
            "algorithms": counts,
            "categories": categories,
            "category_counts": {c: int(n) for c, n in zip(categories, per_category)},
        }

    def close(self) -> None:
        """Release file handles (after ``finish``, or after a failure: the caller removes the directory)."""
        for f in (*self._meta.values(), *self._buckets.values()):
            f.close()

    def _flush(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            self._store(rows_to_batch(rows))

    def _store(self, batch: Batch) -> None:
        first = self.entries
        for algo, digests in batch.digests.items():
            self._spread(algo, digests, first)
        self._write_categories(batch.categories, batch.count)
        self._meta["meta.size"].write(batch.sizes.astype(layout.SIZE).tobytes())
        for field_name in layout.TEXT_FIELDS:
            blob, starts = batch.texts.get(field_name) or (b"\0" * batch.count, np.arange(batch.count))
            base = self._text_ends[field_name]
            self._meta[layout.text_file(field_name)].write(blob)
            self._meta[layout.offset_file(field_name)].write((np.asarray(starts, layout.OFFSET) + base).tobytes())
            self._text_ends[field_name] = base + len(blob)
        self.entries = first + batch.count

    def _spread(self, algo: str, digests: np.ndarray, first: int) -> None:
        """Append (digest, payload id) records of one batch to the buckets of their top bits."""
        size = ALGORITHMS[algo]
        records = np.empty((len(digests), size + layout.PID.itemsize), np.uint8)
        records[:, :size] = digests
        records[:, size:] = np.arange(first, first + len(digests), dtype=layout.PID).view(np.uint8).reshape(-1, 4)
        present = digests.any(axis=1)
        if not present.all():
            records = records[present]
        bucket = records[:, 0] >> (8 - BUCKET_BITS)
        order = np.argsort(bucket, kind="stable")
        ends = np.cumsum(np.bincount(bucket, minlength=BUCKETS))
        records = records[order]
        start = 0
        for b, end in enumerate(ends.tolist()):
            if end > start:
                self._bucket(algo, b).write(records[start:end].tobytes())
            start = end
    def _bucket(self, algo: str, b: int) -> IO[bytes]:
        f = self._buckets.get((algo, b))
        if f is None:
            f = self._buckets[(algo, b)] = open(self.dir / f"{algo}.bucket{b:02d}", "wb")
        return f

    def _sort(self, algo: str) -> int:
        """Sort each bucket by key and append it to the algorithm's three files."""
        size = ALGORITHMS[algo]
        total = 0
        with open(self.dir / layout.key_file(algo), "wb") as keys, \
                open(self.dir / layout.rest_file(algo), "wb") as rests, \
                open(self.dir / layout.pid_file(algo), "wb") as pids:
            for b in range(BUCKETS):
                path = self.dir / f"{algo}.bucket{b:02d}"
                if not path.exists():
                    continue
                records = np.fromfile(path, np.uint8).reshape(-1, size + layout.PID.itemsize)
                path.unlink()
                key = layout.keys_of(records)
                order = np.argsort(key, kind="stable")
                keys.write(key[order].tobytes())
                records = records[order]
                rests.write(records[:, layout.KEY_BYTES:size].tobytes())
                pids.write(records[:, size:].tobytes())
                total += len(records)
            keys.write(np.full(-total % layout.SAMPLE_EVERY, 0xFFFFFFFF, layout.KEY).tobytes())
        keys = np.memmap(self.dir / layout.key_file(algo), layout.KEY, "r") if total else np.empty(0, layout.KEY)
        keys[::layout.SAMPLE_EVERY].tofile(self.dir / layout.sample_file(algo))
        del keys
        return total

    def _write_categories(self, categories: Sequence[str | None] | None, count: int) -> None:
        if categories is None:
            codes = np.full(count, layout.NO_CATEGORY, layout.CATEGORY)
        else:
            table = self._categories
            for c in set(categories) - table.keys() - {None}:
                table[c] = len(table)
            if len(table) >= layout.NO_CATEGORY:
                raise HashSetError(f"more than {layout.NO_CATEGORY - 1} distinct categories")
            codes = np.array([layout.NO_CATEGORY if c is None else table[c] for c in categories], layout.CATEGORY)
        self._meta["meta.cat"].write(codes.tobytes())


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    (directory / layout.MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
