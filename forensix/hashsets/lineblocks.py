"""Line-oriented lists read a block of lines at a time, with numpy instead of a loop per line.

Known-file lists run to tens of millions of lines; a Python loop per line caps
an import at a few hundred thousand entries a second. A reader here finds line
ends, field bounds and digests for a whole block in a few array operations,
keeps the lines that fit the expected shape, and hands only the others to a
per-line parser, which keeps them or says what is wrong with them.
"""
from __future__ import annotations

import binascii
import codecs
import os
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import numpy as np

from forensix.hashsets.entries import HashEntry, ReadLog
from forensix.hashsets.indexwriter import Batch

BLOCK = 8 << 20
MAX_TEXT = 1024
"""Longest text field taken by the block parser; longer ones go through the line parser."""
PAD = bytes(2 * MAX_TEXT)
"""Zeros after each block, so a fixed-width window from any field start stays inside it."""
TEXT_ROWS = 8192
"""Lines per text gather: bounds its scratch memory to TEXT_ROWS x MAX_TEXT bytes."""
LF, CR = 10, 13

_HEX_VALUE = np.full(256, 255, np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_c] = _HEX_VALUE[bytes([_c]).upper()[0]] = _i

BlockParser = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[Batch, np.ndarray]]
"""``parse(a, starts, ends)`` -> (batch of the lines it took, indexes of the lines it did not
take); blank and comment lines are in neither."""
LineParser = Callable[[str], "HashEntry | None"]
"""One line's entry; ValueError says why the line is rejected, None skips it."""


def read_lines(f: BinaryIO, number: int, log: ReadLog, parse_block: BlockParser,
               parse_line: LineParser) -> Iterator[HashEntry | Batch]:
    """Entries of the rest of ``f``, whose first line is line ``number + 1``."""
    for a, size in _blocks(f):
        starts, ends = line_bounds(a, size)
        batch, others = parse_block(a, starts, ends)
        if batch.count:
            yield batch
        for index in others.tolist():
            text = a[starts[index]:ends[index]].tobytes().decode("utf-8", "replace")
            try:
                entry = parse_line(text)
            except ValueError as exc:
                log.reject(f"line {number + index + 1}", str(exc))
                continue
            if entry is not None:
                yield entry
        number += len(starts)
        log.position(f.tell())


def read_file(path: Path, log: ReadLog, parse_block: BlockParser, parse_line: LineParser) -> Iterator[HashEntry | Batch]:
    """Entries of a whole list file, a UTF-8 byte order mark skipped."""
    log.total = os.path.getsize(path)
    with open(path, "rb") as f:
        if f.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            f.seek(0)
        yield from read_lines(f, 0, log, parse_block, parse_line)
    log.position(log.total)


def _blocks(f: BinaryIO) -> Iterator[tuple[np.ndarray, int]]:
    """Whole lines, about ``BLOCK`` bytes at a time, each block ending in LF and followed by
    ``PAD``; a lone CR (old Mac line end) counts as a line end, as Python's text files do."""
    tail = b""
    while True:
        chunk = f.read(BLOCK)
        cut = chunk.rfind(b"\n") + 1 if chunk else len(tail)
        if not chunk and not tail:
            return
        if chunk and not cut:
            tail += chunk
            continue
        end = b"" if chunk or tail.endswith(b"\n") else b"\n"
        data = b"".join((tail, memoryview(chunk)[:cut], end, PAD))
        tail = chunk[cut:]
        size = len(data) - len(PAD)
        a = np.frombuffer(data, np.uint8)
        cr = np.flatnonzero(a[:size] == CR)
        lone = cr[a[cr + 1] != LF]
        if len(lone):
            a = a.copy()
            a[lone] = LF
        yield a, size
        if not chunk:
            return


def line_bounds(a: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (before CR LF or LF) of every line in ``a[:size]``."""
    ends = np.flatnonzero(a[:size] == LF)
    starts = np.concatenate(([0], ends[:-1] + 1))
    return starts, ends - ((a[ends - 1] == CR) & (ends > starts))


def windows(a: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """Rows of ``width`` bytes from each start (``width`` <= len(PAD)): one copy per row, not per byte."""
    return np.lib.stride_tricks.sliding_window_view(a, width)[start]


def hex_field(a: np.ndarray, start: np.ndarray, end: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Digests of ``size`` bytes written as hex from ``start`` to ``end``, and which are valid.

    ``binascii.a2b_hex`` decodes a whole block at C speed and rejects any
    non-hex byte; only a block where it fails is decoded with a lookup table,
    which finds the bad rows."""
    good = end - start == 2 * size
    text = windows(a, start[good], 2 * size)
    values = np.zeros((len(start), size), np.uint8)
    try:
        values[good] = np.frombuffer(binascii.a2b_hex(text.tobytes()), np.uint8).reshape(-1, size)
    except binascii.Error:
        nibbles = _HEX_VALUE[text]
        values[good] = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
        good[good] = (nibbles != 255).all(axis=1)
    return values, good


def text_field(a: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The fields' bytes, each followed by a NUL, and where each one starts.

    Each group of lines is copied as rows as wide as its longest field and
    compacted with a mask, so the cost follows the bytes, not a Python loop."""
    lengths = end - start
    starts = np.cumsum(lengths + 1) - (lengths + 1)
    parts = []
    for first in range(0, len(start), TEXT_ROWS):
        part = slice(first, first + TEXT_ROWS)
        width = int(lengths[part].max(initial=0)) + 1
        rows = windows(a, start[part], width)
        parts.append(rows[np.arange(width) <= lengths[part, None]])
    out = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
    out[starts + lengths] = 0
    return out.tobytes(), starts
