"""Plain hash lists: md5sum/sha1sum/sha256sum output and one digest per line.

The algorithm comes from the digest's length (32, 40 or 64 hex digits), so a
single file may even mix them. ``*`` before the name is md5sum's binary-mode
marker; a leading backslash means md5sum escaped ``\\n`` or ``\\\\`` in the name.
The BSD/``--tag`` form ``SHA256 (name) = digest`` is read as well.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from forensix.hashsets.entries import ALGORITHM_BY_HEX_LENGTH, HashEntry, ReadLog, parse_digest
from forensix.hashsets.textfile import first_lines, numbered_lines

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


def read(path: Path, log: ReadLog) -> Iterator[HashEntry]:
    for number, line in numbered_lines(path, log):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            yield _entry(line)
        except ValueError as exc:
            log.reject(f"line {number}", str(exc))


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
