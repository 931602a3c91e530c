"""Writing an output file all or nothing.

A report or an export is first written beside its destination under a visible
``NAME.partial-PID`` name and renamed over the destination only once complete:
a kill, a full disk or Ctrl-C half way never truncates the earlier file, which
the case's log may vouch for (a truncated report would read as tampering).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


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
