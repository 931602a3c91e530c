"""Where an export goes: standard output, or a file written atomically and hashed.

A file export is logged with its SHA-256 so ``verify`` can check it later, like
a report. It is written to a temporary file beside its destination and renamed
only once complete, so a kill or a full disk never leaves a truncated file
under a name the log vouches for, nor destroys an earlier export.
"""
from __future__ import annotations

import io
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from forensix.atomicfile import HashingSink, atomic_writer

BUFFER = 1 << 20


class Written:
    """The text stream a format writes to, and the file's SHA-256 once closed."""

    def __init__(self, stream: IO[str], sink: HashingSink) -> None:
        self.stream = stream
        self._sink = sink
        self.sha256 = ""

    def close(self) -> None:
        self.stream.flush()
        self.sha256 = self._sink.sha256.hexdigest()


@contextmanager
def atomic_file(path: Path) -> Iterator[Written]:
    """Write ``path`` all or nothing (:func:`forensix.atomicfile.atomic_writer`), as UTF-8
    text hashed on its way to the file."""
    with atomic_writer(path) as raw:
        sink = HashingSink(raw)
        written = Written(io.TextIOWrapper(io.BufferedWriter(sink, BUFFER), encoding="utf-8", newline=""), sink)
        try:
            yield written
            written.close()
        except BaseException:
            sink.abandon()  # text still buffered must not reach the file being removed
            raise


@contextmanager
def standard_output() -> Iterator[IO[str]]:
    """UTF-8 on standard output whatever the locale, left open for the caller."""
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()
