"""Build an index directory (see :mod:`forensix.hashsets.layout`) from a stream of entries.

Scale is NSRL's (tens of millions of entries), so nothing grows with the set
in memory: entries are gathered in batches and turned into columns with a few
C-speed calls. Every per-entry column (digest rests, sizes, names) is
appended to its file as it comes, in entry order; only (key, payload id)
pairs, 8 bytes an entry, need sorting. They are spread into ``BUCKETS``
files by their top bits, each then small enough to sort alone, and the
buckets, in order, concatenate into the sorted key and payload id files.
The sort is two stable 16-bit passes (numpy radix-sorts 16-bit integers,
several times faster than a comparison sort of 32-bit keys).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Mapping, Sequence

import numpy as np

from forensix.hashsets import layout, pdqindex
from forensix.hashsets.entries import ALGORITHMS, PDQ_BYTES, HashEntry, HashSetError
from forensix.hashsets.writequeue import WriteQueue

BATCH = 1 << 18
BUCKET_BITS = 6
BUCKETS = 1 << BUCKET_BITS
SPREAD = 1 << 20
"""Pairs gathered before they are spread, so each bucket write is a few hundred KiB:
small writes cost far more per byte."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries in columns, as vectorised readers produce them and as the writer stores them."""

    count: int
    digests: Mapping[str, np.ndarray]
    """algo -> (count, size) uint8; an all-zero row means the entry has no such digest."""
    sizes: np.ndarray
    """int64, -1 where unknown."""
    texts: Mapping[str, tuple[bytes, np.ndarray]] = field(default_factory=dict)
    """field -> (blob, start offset of each value in it); a value ends one byte before the next starts.
    A field the reader has no values for is left out, and costs the index nothing."""
    categories: Sequence[str | None] | None = None
    pdq: np.ndarray | None = None
    """(count, 32) uint8 PDQ hashes; an all-zero row means the entry has none."""


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
        texts={f: _text_column(c) for f, c in zip(layout.TEXT_FIELDS, (columns[4], columns[5], columns[7]))
               if c.count(None) < len(c)},
        categories=columns[3] if columns[3].count(None) < len(rows) else None,
        pdq=_pdq_column(columns[8]),
    )


def _pdq_column(column: Sequence[bytes | None]) -> np.ndarray | None:
    missing = column.count(None)
    if missing == len(column):
        return None
    blank = bytes(PDQ_BYTES)
    joined = b"".join(column) if not missing else b"".join(h or blank for h in column)
    return np.frombuffer(joined, np.uint8).reshape(-1, PDQ_BYTES)


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

    def __init__(self, directory: Path, batch: int | None = None) -> None:
        self.dir = directory
        self.entries = 0
        self._batch = batch or BATCH  # read at call time, so tests can shrink it
        self._rows: list[HashEntry] = []
        self._categories: dict[str, int] = {}
        self._buckets: dict[tuple[str, int], IO[bytes]] = {}
        self._pairs: dict[str, list[np.ndarray]] = {}
        self._counts = dict.fromkeys(ALGORITHMS, 0)
        """Digests of each algorithm so far: the size of its key file."""
        self._pending = 0
        self._pdq = 0
        """PDQ hashes so far: the rows of ``pdq.hash``."""
        self._files: dict[str, IO[bytes]] = {}
        self._out = WriteQueue()
        self._text_ends: dict[str, int] = {}
        """Blob size of each text field written so far; a field enters at its first value."""
        for name in ("meta.cat", "meta.size"):
            self._files[name] = open(directory / name, "wb")

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
        self._spread()
        for field_name, end in self._text_ends.items():
            self._out.write(self._files[layout.offset_file(field_name)], np.array([end], layout.OFFSET))
        self._out.flush()
        self._close_files()
        counts = {algo: n for algo, n in self._counts.items() if n}
        for algo, n in counts.items():
            self._sort(algo, layout.table_bits(n))
        pdq = pdqindex.build_tables(self.dir, self._pdq, key_order) if self._pdq else None
        categories = sorted(self._categories, key=self._categories.__getitem__)
        per_category = np.bincount(np.fromfile(self.dir / "meta.cat", layout.CATEGORY), minlength=len(categories))
        return {
            "entries": self.entries,
            "algorithms": counts,
            "table_bits": {algo: layout.table_bits(n) for algo, n in counts.items()},
            "text_fields": [f for f in layout.TEXT_FIELDS if f in self._text_ends],
            "categories": categories,
            "category_counts": {c: int(n) for c, n in zip(categories, per_category)},
            "pdq": pdq,
        }

    def close(self) -> None:
        """Release the thread and file handles (after ``finish``, or after a failure: the caller
        removes the directory)."""
        self._out.stop()
        self._close_files()

    def _close_files(self) -> None:
        for f in (*self._files.values(), *self._buckets.values()):
            f.close()

    def _flush(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            self._store(rows_to_batch(rows))

    def _store(self, batch: Batch) -> None:
        first = self.entries
        for algo, digests in batch.digests.items():
            present = digests.any(axis=1)
            if present.any():
                keys = layout.keys_of(digests[present]).astype(np.uint64)
                pids = np.arange(first, first + batch.count, dtype=np.uint64)[present]
                self._pairs.setdefault(algo, []).append((keys << 32) | pids)
                self._pending += len(keys)
                self._counts[algo] += len(keys)
        if batch.pdq is not None:
            self._store_pdq(batch.pdq, first)
        self._write_categories(batch.categories, batch.count)
        self._out.write(self._files["meta.size"], batch.sizes.astype(layout.SIZE))
        for algo, size in ALGORITHMS.items():
            if algo in batch.digests:
                self._column(layout.rest_file(algo), size - layout.KEY_BYTES)
            if layout.rest_file(algo) in self._files:
                digests = batch.digests.get(algo)
                rest = bytes(batch.count * (size - layout.KEY_BYTES)) if digests is None \
                    else np.ascontiguousarray(digests[:, layout.KEY_BYTES:])
                self._out.write(self._files[layout.rest_file(algo)], rest)
        for field_name in layout.TEXT_FIELDS:
            if field_name in batch.texts and field_name not in self._text_ends:
                self._column(layout.text_file(field_name), 1)
                self._column(layout.offset_file(field_name), layout.OFFSET.itemsize, counting=True)
                self._text_ends[field_name] = self.entries
        for field_name in self._text_ends:
            blob, starts = batch.texts.get(field_name) or (bytes(batch.count), np.arange(batch.count))
            base = self._text_ends[field_name]
            self._out.write(self._files[layout.text_file(field_name)], blob)
            self._out.write(self._files[layout.offset_file(field_name)], np.asarray(starts, layout.OFFSET) + base)
            self._text_ends[field_name] = base + len(blob)
        self.entries = first + batch.count
        if self._pending >= SPREAD:
            self._spread()

    def _store_pdq(self, hashes: np.ndarray, first: int) -> None:
        """Append the entries' PDQ hashes and their payload ids (entries without one are skipped)."""
        present = np.flatnonzero(hashes.any(axis=1))
        if not len(present):
            return
        for name in (pdqindex.HASH_FILE, pdqindex.PID_FILE):
            if name not in self._files:
                self._files[name] = open(self.dir / name, "wb")
        self._out.write(self._files[pdqindex.HASH_FILE], np.ascontiguousarray(hashes[present]))
        self._out.write(self._files[pdqindex.PID_FILE], (present + first).astype(pdqindex.ROW))
        self._pdq += len(present)

    def _column(self, name: str, width: int, counting: bool = False) -> None:
        """Open a per-entry file at its first value; the entries before it get zero bytes
        (an absent digest, an empty string) or, for ``counting``, offsets 0, 1, 2... of empty strings."""
        if name in self._files:
            return
        f = self._files[name] = open(self.dir / name, "wb")
        for done in range(0, self.entries, self._batch):
            count = min(self._batch, self.entries - done)
            self._out.write(f, np.arange(done, done + count, dtype=layout.OFFSET) if counting else bytes(count * width))

    def _spread(self) -> None:
        """Append the gathered (key << 32 | payload id) pairs to the buckets of their top bits."""
        for algo, parts in self._pairs.items():
            pairs = np.concatenate(parts)
            bucket = (pairs >> np.uint64(64 - BUCKET_BITS)).astype(np.uint8)
            pairs = pairs[np.argsort(bucket, kind="stable")]
            start = 0
            for b, end in enumerate(np.cumsum(np.bincount(bucket, minlength=BUCKETS)).tolist()):
                if end > start:
                    self._out.write(self._bucket(algo, b), pairs[start:end])
                start = end
        self._pairs, self._pending = {}, 0

    def _bucket(self, algo: str, b: int) -> IO[bytes]:
        f = self._buckets.get((algo, b))
        if f is None:
            f = self._buckets[(algo, b)] = open(self.dir / f"{algo}.bucket{b:02d}", "wb")
        return f

    def _sort(self, algo: str, bits: int) -> None:
        """Sort each bucket by key (payload ids already ascend within it) into the key and pid
        files, and write the table rows of the runs that start in it."""
        shift, span = 32 - bits, 32 - BUCKET_BITS
        total = 0
        with open(self.dir / layout.key_file(algo), "wb") as keys, \
                open(self.dir / layout.pid_file(algo), "wb") as pids, \
                open(self.dir / layout.table_file(algo), "wb") as table:
            for b in range(BUCKETS):
                path = self.dir / f"{algo}.bucket{b:02d}"
                pairs = np.fromfile(path, np.uint64) if path.exists() else np.empty(0, np.uint64)
                path.unlink(missing_ok=True)
                key = (pairs >> np.uint64(32)).astype(layout.KEY)
                order = key_order(key)
                key = key[order]
                runs = np.arange(-(-(b << span) >> shift), -(-((b + 1) << span) >> shift), dtype=np.uint64) << shift
                self._out.write(table, (np.searchsorted(key, runs) + total).astype(layout.ROW_START))
                self._out.write(keys, key)
                self._out.write(pids, pairs[order].astype(layout.PID))
                total += len(pairs)
            self._out.write(table, np.array([total], layout.ROW_START))
            self._out.flush()

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
        self._out.write(self._files["meta.cat"], codes)


def key_order(key: np.ndarray) -> np.ndarray:
    """A stable ascending order of uint32 keys: least significant half first, then the
    most significant, each pass a 16-bit radix sort (an LSD radix sort in two passes)."""
    low = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((key[low] >> 16).astype(np.uint16), kind="stable")]


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    (directory / layout.MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
