"""One writer at a time in a case folder.

Two scans writing one case would fork its hash-chained log (``verify`` would
fail for ever) or interleave their records; a report made during a scan would
describe half a scan. A command that writes holds an exclusive lock on
``CASE/.lock`` for as long as it runs; the operating system drops the lock when
the process ends, however it ends (kill -9, power cut), so a stale lock never
blocks a resumed scan.
"""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

LOCK_NAME = ".lock"


class CaseBusy(Exception):
    """Another forensix command is writing to the case folder."""


def acquire(case_dir: Path, what: str) -> Callable[[], None]:
    """Hold the case folder for ``what`` (e.g. ``scan``) and return what releases it; raise
    :class:`CaseBusy` at once if another command holds it. A folder that cannot hold a lock
    file (read-only) is not locked: nothing can write to it anyway."""
    path = Path(case_dir) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return lambda: None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another forensix command"
        os.close(fd)
        raise CaseBusy(f"the case folder {case_dir} is in use ({holder}); wait until it has finished") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"forensix {what}, process {os.getpid()}".encode(), 0)
    return lambda: os.close(fd)


@contextmanager
def case_lock(case_dir: Path, what: str) -> Iterator[None]:
    release = acquire(case_dir, what)
    try:
        yield
    finally:
        release()
