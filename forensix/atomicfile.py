"""Writing an output file all or nothing.

A report or an export is first written beside its destination under a visible
``NAME.partial-PID`` name and renamed over the destination only once complete:
a kill, a full disk or Ctrl-C half way never truncates the earlier file, which
the case's log may vouch for (a truncated report would read as tampering).
"""
from __future__ import annotations

import hashlib
import io
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, Iterator


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``path``, on any exception it is removed."""
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    try:
        with open(partial, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


class HashingSink(io.RawIOBase):
    """Bytes on their way to the file, hashed as they pass: the SHA-256 the log records
    without reading the file back."""

    def __init__(self, file: IO[bytes] | None) -> None:
        self._file = file
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self._file is None:  # abandoned: text still buffered goes nowhere
            return len(data)
        self.sha256.update(data)
        return self._file.write(data)

    def abandon(self) -> None:
        self._file = None
