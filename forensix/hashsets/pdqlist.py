"""Plain PDQ lists: one ``PDQHEX[,CATEGORY[,MEDIA_ID]]`` per line, ``#`` comments.

What hash-sharing programmes hand out when they share perceptual hashes
without a VICS export (HMA and ThreatExchange exports reduce to this). A
line of 64 hex digits alone is also what a sha256sum list looks like, so a
list is read as PDQ when a line carries a category after a comma, or when a
comment line before the data names PDQ (``# PDQ ...``); otherwise the
md5sum/sha256sum reader takes it.

Lines are parsed a block at a time (:mod:`forensix.hashsets.lineblocks`);
lines with spaces or tabs, or that do not fit, go through :func:`_entry`,
which keeps them or says what is wrong.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from forensix.hashsets.entries import PDQ_BYTES, HashEntry, ReadLog, parse_pdq
from forensix.hashsets.indexwriter import Batch
from forensix.hashsets.lineblocks import MAX_TEXT, hex_field, read_file, text_field

FORMAT = "pdq"
DEFAULT_KIND = "known-bad"

_LINE = re.compile(r"[0-9A-Fa-f]{64}\s*(,.*)?$")
_COMMA, _SPACE, _TAB = ord(","), ord(" "), ord("\t")


def sniff(head: bytes) -> bool:
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    lines = [line.strip() for line in text.splitlines()[:200]]
    comments = [line for line in lines if line.startswith("#")]
    data = [line for line in lines if line and not line.startswith("#")][:5]
    if not data or not all(_LINE.match(line) for line in data[:-1]) or not _LINE.match(data[0]):
        return False
    return any("," in line for line in data) or any("pdq" in line.lower() for line in comments)


def read(path: Path, log: ReadLog) -> Iterator[HashEntry | Batch]:
    return read_file(path, log, _parse_block, _line)


def _parse_block(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[Batch, np.ndarray]:
    """Entries of the lines ``hex[,category[,media id]]`` without blanks, and the indexes of the others."""
    lead = a[starts]
    skip = (ends == starts) | (lead == ord("#"))
    size = ends[-1] + 1 if len(ends) else 0
    commas = np.flatnonzero(a[:size] == _COMMA)
    blanks = np.flatnonzero((a[:size] == _SPACE) | (a[:size] == _TAB))
    hex_end = starts + 2 * PDQ_BYTES
    far = np.iinfo(np.intp).max
    after = np.concatenate((commas, [far] * 3))
    at = np.searchsorted(commas, starts)  # each line's first comma (or one of a later line)
    first, second, third = after[at], after[at + 1], after[at + 2]
    blank = np.append(blanks, far)[np.searchsorted(blanks, starts)] < ends
    has_category = first < ends
    has_media = second < ends
    ok = ~skip & ~blank & (third >= ends) & np.where(has_category, first == hex_end, ends == hex_end)
    hashes, good = hex_field(a, starts, np.minimum(hex_end, ends), PDQ_BYTES)
    ok &= good
    category_end = np.where(has_media, second, ends)
    ok &= (category_end - first <= MAX_TEXT) & (ends - second <= MAX_TEXT)
    rows = np.flatnonzero(ok)
    categories = None
    if has_category[rows].any():
        blob, _ = text_field(a, np.where(has_category, first + 1, ends)[rows],
                             np.where(has_category, category_end, ends)[rows])
        categories = [c or None for c in blob.decode("utf-8", "replace").split("\0")[:-1]]
    texts = {}
    if has_media[rows].any():
        texts["media_id"] = text_field(a, np.where(has_media, second + 1, ends)[rows], ends[rows])
    batch = Batch(count=len(rows), digests={}, sizes=np.full(len(rows), -1, np.int64), texts=texts,
                  categories=categories, pdq=hashes[rows])
    return batch, np.flatnonzero(~ok & ~skip)


def _line(line: str) -> HashEntry | None:
    return None if not line.strip() or line.lstrip().startswith("#") else _entry(line)


def _entry(line: str) -> HashEntry:
    fields = [field.strip() for field in line.split(",")]
    if len(fields) > 3:
        raise ValueError(f"{len(fields)} fields where a PDQ line has at most 3 (hash, category, media id)")
    pdq = parse_pdq(fields[0])
    category = fields[1] if len(fields) > 1 and fields[1] else None
    media_id = fields[2] if len(fields) > 2 and fields[2] else None
    return HashEntry(category=category, media_id=media_id, pdq=pdq)
