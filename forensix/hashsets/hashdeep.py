"""hashdeep / md5deep known-file lists (``hashdeep -c md5,sha256 -r .`` output).

The second header line names the columns, so any subset and order of
algorithms is read; ``filename`` is the last column and may itself contain
commas, so a line is split at most ``columns - 1`` times. Algorithms forensix
does not match on (tiger, whirlpool) are ignored.

These lists run to tens of millions of lines, so lines are parsed a block at
a time with numpy (comma positions, hex decoding, size digits); only a line
that does not fit the header's shape goes through the per-line parser, which
says what is wrong with it.
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from forensix.hashsets.entries import ALGORITHMS, HashEntry, HashSetError, ReadLog, parse_digest
from forensix.hashsets.indexwriter import Batch

FORMAT = "hashdeep"
DEFAULT_KIND = "known-bad"
MAGIC = "%%%% HASHDEEP-1.0"
BLOCK = 8 << 20
SIZE_DIGITS = 18

_HEX_VALUE = np.full(256, 255, np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_c] = _HEX_VALUE[bytes([_c]).upper()[0]] = _i


def sniff(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(MAGIC.encode())


def read(path: Path, log: ReadLog) -> Iterator[HashEntry | Batch]:
    log.total = path.stat().st_size
    with open(path, "rb") as f:
        columns, number = _header(f, path)
        slots = _slots(path, number, columns)
        tail = b""
        while True:
            block = f.read(BLOCK)
            data = tail + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            data, tail = data[:cut], data[cut:]
            if data:
                if not data.endswith(b"\n"):
                    data += b"\n"
                batch, bad = _parse_block(data, columns, slots)
                if batch.count:
                    yield batch
                yield from _slow_lines(data, bad, number, columns, slots, log)
                number += data.count(b"\n")
                log.position(f.tell())
            if not block:
                return


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


def _parse_block(data: bytes, columns: list[str], slots: tuple[int | None, ...]) -> tuple[Batch, np.ndarray]:
    """Entries of the well-formed lines of ``data`` (whole lines), and the line numbers
    (from 0) of the others; blank and comment lines are in neither."""
    a = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(a == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    ends = ends - (a[ends - 1] == 13) * (ends > starts)  # CRLF
    commas = np.flatnonzero(a == 44)
    first = np.searchsorted(commas, starts)
    wanted = len(columns) - 1
    ok = first + wanted <= len(commas)
    cut = commas[np.minimum(first[:, None] + np.arange(wanted), max(len(commas) - 1, 0))] if len(commas) \
        else np.zeros((len(starts), wanted), np.int64)
    if wanted:
        ok &= cut[:, -1] < ends
    field_start = np.concatenate((starts[:, None], cut + 1), axis=1)
    field_end = np.concatenate((cut, ends[:, None]), axis=1)
    lead = a[np.minimum(starts, len(a) - 1)]
    skip = (ends == starts) | (lead == ord("#")) | (lead == ord("%"))
    digests = {}
    md5, sha1, sha256, size, name = slots
    for algo, slot in zip(ALGORITHMS, (md5, sha1, sha256)):
        if slot is not None:
            digests[algo], good = _hex_field(a, field_start[:, slot], field_end[:, slot], ALGORITHMS[algo])
            ok &= good
    sizes = np.full(len(starts), -1, np.int64)
    if size is not None:
        sizes, good = _int_field(a, field_start[:, size], field_end[:, size])
        ok &= good
    ok &= ~skip
    texts = {}
    if name is not None:
        texts["name"] = _text_field(a, field_start[ok, name], field_end[ok, name])
    batch = Batch(count=int(ok.sum()), digests={k: v[ok] for k, v in digests.items()}, sizes=sizes[ok], texts=texts)
    return batch, np.flatnonzero(~ok & ~skip)


def _hex_field(a: np.ndarray, start: np.ndarray, end: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    values = _HEX_VALUE[_windows(a, start, 2 * size)]
    good = (end - start == 2 * size) & (values != 255).all(axis=1)
    return (values[:, 0::2] << 4) | values[:, 1::2], good


def _windows(a: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """Rows of ``width`` bytes from each start (clipped into ``a``): one copy per row, not per byte."""
    if len(a) < width:
        a = np.concatenate((a, np.zeros(width - len(a), np.uint8)))
    view = np.lib.stride_tricks.sliding_window_view(a, width)
    return view[np.clip(start, 0, len(view) - 1)]


def _int_field(a: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decimal digits right-aligned into as many columns as the longest field; empty means -1."""
    length = end - start
    width = int(min(max(length.max(initial=1), 1), SIZE_DIGITS))
    inside = np.arange(width) >= (width - length)[:, None]
    padded = np.concatenate((np.zeros(width, np.uint8), a))  # a window may reach before the block
    digits = _windows(padded, end, width).astype(np.int64) - 48
    good = (length <= SIZE_DIGITS) & (((digits >= 0) & (digits <= 9)) | ~inside).all(axis=1)
    value = np.where(inside, digits, 0) @ (10 ** np.arange(width - 1, -1, -1, dtype=np.int64))
    return np.where(length > 0, value, -1), good


def _text_field(a: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The fields' bytes, each followed by a NUL, and where each one starts."""
    lengths = end - start
    out_start = np.cumsum(lengths + 1) - (lengths + 1)
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out = np.zeros(int(lengths.sum()) + len(lengths), np.uint8)
    out[np.repeat(out_start, lengths) + within] = a[np.repeat(start, lengths) + within]
    return out.tobytes(), out_start


def _slow_lines(data: bytes, bad: np.ndarray, number: int, columns: list[str],
                slots: tuple[int | None, ...], log: ReadLog) -> Iterator[HashEntry]:
    """Lines the block parser could not take: parse them alone, to keep or to explain."""
    if not len(bad):
        return
    lines = data.split(b"\n")
    for index in bad.tolist():
        line = lines[index].decode("utf-8", "replace").rstrip("\r")
        cells = line.split(",", len(columns) - 1)
        where = f"line {number + index + 1}"
        if len(cells) != len(columns):
            log.reject(where, f"{len(cells)} fields where the header names {len(columns)}")
            continue
        try:
            yield _entry(cells, slots)
        except ValueError as exc:
            log.reject(where, str(exc))


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
