"""hashdeep / md5deep known-file lists (``hashdeep -c md5,sha256 -r .`` output).

The second header line names the columns, so any subset and order of
algorithms is read; ``filename`` is the last column and may itself contain
commas, so a line is split at most ``columns - 1`` times. Algorithms forensix
does not match on (tiger, whirlpool) are ignored.

These lists run to tens of millions of lines, so lines are parsed a block at
a time (:mod:`forensix.hashsets.lineblocks`: comma positions, hex decoding,
size digits); only a line that does not fit the header's shape goes through
the per-line parser, which says what is wrong with it.
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from forensix.hashsets.entries import ALGORITHMS, HashEntry, HashSetError, ReadLog, parse_digest
from forensix.hashsets.indexwriter import Batch
from forensix.hashsets.lineblocks import MAX_TEXT, hex_field, read_lines, text_field, windows

FORMAT = "hashdeep"
DEFAULT_KIND = "known-bad"
MAGIC = "%%%% HASHDEEP-1.0"
SIZE_DIGITS = 18


def sniff(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(MAGIC.encode())


def read(path: Path, log: ReadLog) -> Iterator[HashEntry | Batch]:
    log.total = path.stat().st_size
    with open(path, "rb") as f:
        columns, number = _header(f, path)
        slots = _slots(path, number, columns)
        yield from read_lines(f, number, log, lambda a, starts, ends: _parse_block(a, starts, ends, columns, slots),
                              lambda line: _line(line, columns, slots))


def _header(f: BinaryIO, path: Path) -> tuple[list[str], int]:
    """The column names, leaving ``f`` at the first data line; and the lines read."""
    columns: list[str] | None = None
    number = 0
    while True:
        position = f.tell()
        raw = f.readline()
        text = raw.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
        if raw and (text.startswith("%%%%") or text.startswith("#") or not text.strip()):
            number += 1
            if columns is None and text.startswith("%%%%") and not text.startswith(MAGIC):
                columns = [c.strip().lower() for c in text[4:].split(",")]
            continue
        if columns is None:
            raise HashSetError(f"{path}: line {number + 1}: no '%%%% size,...,filename' header before the data")
        f.seek(position)
        return columns, number


def _slots(path: Path, number: int, columns: list[str]) -> tuple[int | None, ...]:
    """Column index of (md5, sha1, sha256, size, filename), None where absent."""
    wanted = (*ALGORITHMS, "size", "filename")
    slots = tuple(columns.index(name) if name in columns else None for name in wanted)
    if all(slots[i] is None for i in range(len(ALGORITHMS))):
        raise HashSetError(f"{path}: line {number}: header names no MD5, SHA-1 or SHA-256 column")
    return slots


def _parse_block(a: np.ndarray, starts: np.ndarray, ends: np.ndarray, columns: list[str],
                 slots: tuple[int | None, ...]) -> tuple[Batch, np.ndarray]:
    """Entries of the well-formed lines, and the indexes of the others (not blank or comment)."""
    commas = np.flatnonzero(a[:ends[-1] + 1] == 44) if len(ends) else np.zeros(0, np.intp)
    first = np.searchsorted(commas, starts)
    wanted = len(columns) - 1
    ok = first + wanted <= len(commas)
    cut = commas[np.minimum(first[:, None] + np.arange(wanted), max(len(commas) - 1, 0))] if len(commas) \
        else np.zeros((len(starts), wanted), np.int64)
    if wanted:
        ok &= cut[:, -1] < ends
    field_start = np.concatenate((starts[:, None], cut + 1), axis=1)
    field_end = np.concatenate((cut, ends[:, None]), axis=1)
    lead = a[starts]
    skip = (ends == starts) | (lead == ord("#")) | (lead == ord("%"))
    digests = {}
    md5, sha1, sha256, size, name = slots
    for algo, slot in zip(ALGORITHMS, (md5, sha1, sha256)):
        if slot is not None:
            digests[algo], good = hex_field(a, field_start[:, slot], field_end[:, slot], ALGORITHMS[algo])
            ok &= good
    sizes = np.full(len(starts), -1, np.int64)
    if size is not None:
        sizes, good = _int_field(a, field_start[:, size], field_end[:, size])
        ok &= good
    if name is not None:
        ok &= field_end[:, name] - field_start[:, name] <= MAX_TEXT
    ok &= ~skip
    if not ok.all():  # rare: most blocks are all well-formed lines, and need no copy
        digests, sizes, field_start, field_end = (
            {k: v[ok] for k, v in digests.items()}, sizes[ok], field_start[ok], field_end[ok])
    texts = {}
    if name is not None:
        texts["name"] = text_field(a, field_start[:, name], field_end[:, name])
    return Batch(count=len(sizes), digests=digests, sizes=sizes, texts=texts), np.flatnonzero(~ok & ~skip)


def _int_field(a: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decimal fields, one digit column at a time (Horner's rule); an empty field means -1."""
    length = end - start
    width = int(min(length.max(initial=0), SIZE_DIGITS))
    digits = windows(a, start, width).astype(np.int64) - 48
    inside = np.arange(width) < length[:, None]
    good = (length <= SIZE_DIGITS) & (((digits >= 0) & (digits <= 9)) | ~inside).all(axis=1)
    value = np.zeros(len(start), np.int64)
    for column in range(width):
        value = np.where(inside[:, column], value * 10 + digits[:, column], value)
    return np.where(length > 0, value, -1), good


def _line(line: str, columns: list[str], slots: tuple[int | None, ...]) -> HashEntry:
    """A line the block parser could not take: parsed alone, to keep or to explain."""
    cells = line.split(",", len(columns) - 1)
    if len(cells) != len(columns):
        raise ValueError(f"{len(cells)} fields where the header names {len(columns)}")
    return _entry(cells, slots)


def _entry(cells: list[str], slots: tuple[int | None, ...]) -> HashEntry:
    md5, sha1, sha256, size, name = slots
    return HashEntry(
        None if md5 is None else parse_digest(cells[md5], "md5"),
        None if sha1 is None else parse_digest(cells[sha1], "sha1"),
        None if sha256 is None else parse_digest(cells[sha256], "sha256"),
        None,
        None,
        None if name is None else cells[name],
        None if size is None or not cells[size] else int(cells[size]),
    )
