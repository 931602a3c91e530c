"""Line-oriented hash list files: one place for encoding, line endings and progress."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Iterator

from forensix.hashsets.entries import ReadLog

PROGRESS_EVERY = 1 << 16
"""Lines between two progress reports: rare enough to cost nothing."""


def numbered_lines(path: Path, log: ReadLog) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line)`` without the line ending (LF or CRLF).

    Names in hash lists come from any file system, so undecodable bytes become
    U+FFFD rather than stopping the import; a UTF-8 byte order mark is dropped.
    """
    log.total = os.path.getsize(path)
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=None)
        for number, line in enumerate(text, 1):
            yield number, line.rstrip("\n")
            if not number % PROGRESS_EVERY:
                log.position(raw.tell())
        log.position(log.total)


def first_lines(head: bytes, count: int = 5) -> list[str]:
    """The first meaningful lines of a file's head, for format sniffing."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    lines = [line.strip() for line in text.splitlines()[:200]]
    return [line for line in lines if line and not line.startswith("#")][:count]
