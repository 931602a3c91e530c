"""Plain hash lists: md5sum/sha1sum/sha256sum output and one digest per line.

The algorithm comes from the digest's length (32, 40 or 64 hex digits), so a
single file may even mix them. ``*`` before the name is md5sum's binary-mode
marker; a leading backslash means md5sum escaped ``\\n`` or ``\\\\`` in the name.
The BSD/``--tag`` form ``SHA256 (name) = digest`` is read as well.

Lines are parsed a block at a time (:mod:`forensix.hashsets.lineblocks`); the
common shape ``digest``, ``digest  name`` or ``digest *name`` never reaches
Python per line, the other forms (tagged, escaped, tab-separated) and bad
lines go through :func:`_entry`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

from forensix.hashsets.entries import ALGORITHM_BY_HEX_LENGTH, ALGORITHMS, HashEntry, ReadLog, parse_digest
from forensix.hashsets.indexwriter import Batch
from forensix.hashsets.lineblocks import MAX_TEXT, hex_field, read_file, text_field
from forensix.hashsets.textfile import first_lines

FORMAT = "plain"
DEFAULT_KIND = "known-bad"

_GNU = re.compile(r"\\?[0-9A-Fa-f]{32,64}(?:$|[ \t])")
_TAG = re.compile(r"(MD5|SHA1|SHA256) ?\((.*)\) ?= ?([0-9A-Fa-f]+)$", re.IGNORECASE)
_SLOT = {"md5": 0, "sha1": 1, "sha256": 2}


def sniff(head: bytes) -> bool:
    """The first line and most of the next ones look like digests (a bad line is the reader's to report)."""
    lines = first_lines(head)
    looks = [bool(_GNU.match(line) or _TAG.match(line)) for line in lines]
    return bool(looks) and looks[0] and 2 * sum(looks) >= len(looks)


def read(path: Path, log: ReadLog) -> Iterator[HashEntry | Batch]:
    return read_file(path, log, _parse_block, _line)


def _parse_block(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[Batch, np.ndarray]:
    """Entries of the lines ``digest[ [*| ]name]``, and the indexes of the others (not blank or comment)."""
    lead = a[starts]
    skip = (ends == starts) | (lead == ord("#"))
    spaces = np.flatnonzero(a[:ends[-1] + 1] == ord(" ")) if len(ends) else np.zeros(0, np.intp)
    space = np.append(spaces, np.iinfo(np.intp).max)[np.searchsorted(spaces, starts)]
    digest_end = np.minimum(space, ends)
    name_start = np.minimum(digest_end + 1, ends)
    name_start += (name_start < ends) & np.isin(a[name_start], (ord("*"), ord(" ")))
    ok = ~skip & (lead != ord("\\")) & (ends - name_start <= MAX_TEXT)
    digests = {}
    for algo, size in ALGORITHMS.items():
        this = ok & (digest_end - starts == 2 * size)
        if this.any():
            values, good = hex_field(a, starts, digest_end, size)
            ok &= ~this | good
            digests[algo] = np.where((this & good)[:, None], values, 0)
    ok &= np.isin(digest_end - starts, [2 * size for size in ALGORITHMS.values()])
    texts = {}
    if (ends[ok] > name_start[ok]).any():
        texts["name"] = text_field(a, name_start[ok], ends[ok])
    batch = Batch(count=int(ok.sum()), digests={k: v[ok] for k, v in digests.items()},
                  sizes=np.full(int(ok.sum()), -1, np.int64), texts=texts)
    return batch, np.flatnonzero(~ok & ~skip)


def _line(line: str) -> HashEntry | None:
    return None if not line.strip() or line.startswith("#") else _entry(line)


def _entry(line: str) -> HashEntry:
    escaped = line.startswith("\\")
    if escaped:
        line = line[1:]
    digest, _, name = line.partition(" ")
    if not name:
        digest, _, name = line.partition("\t")
    tagged = None if ALGORITHM_BY_HEX_LENGTH.get(len(digest)) else _TAG.match(line)
    if tagged:
        name, digest = tagged.group(2), tagged.group(3)
    algo = ALGORITHM_BY_HEX_LENGTH.get(len(digest))
    if algo is None:
        raise ValueError(f"{digest[:70]!r} is not an MD5, SHA-1 or SHA-256 hex digest")
    value = parse_digest(digest, algo)
    name = name[1:] if name[:1] in ("*", " ") and not tagged else name
    if escaped:
        name = name.replace("\\\\", "\0").replace("\\n", "\n").replace("\0", "\\")
    slots: list[bytes | None] = [None, None, None]
    slots[_SLOT[algo]] = value
    return HashEntry(*slots, name=name or None)
