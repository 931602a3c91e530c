"""Which reader reads a file: decided from its first bytes, never from its name."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

from forensix.hashsets import hashdeep, pdqlist, plainlist, rds2, rdsv3, vics
from forensix.hashsets.entries import HashSetError

READERS: tuple[ModuleType, ...] = (rdsv3, vics, hashdeep, rds2, pdqlist, plainlist)
"""Most specific signature first: plain lists accept anything that starts with hex, so PDQ
lists (64 hex digits and a category, or a comment naming PDQ) are tried before them."""

SNIFF_BYTES = 1 << 16


def detect(path: Path) -> ModuleType:
    """The reader module for ``path``; HashSetError when no reader recognises it."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        raise HashSetError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for reader in READERS:
        if reader.sniff(head):
            return reader
    raise HashSetError(f"{path}: unknown hash set format (expected VICS JSON, NSRL RDSv3 SQLite or "
                       "RDS 2.x CSV, hashdeep, a PDQ list, or an md5sum/sha1sum/sha256sum list)")
