"""Opening a case folder for a command: for reading only, or for writing when it can be written.

Reading commands (``verify``, ``case show``, ``export``, ``report -o ELSEWHERE``)
must work on a case handed over on write-protected media or copied read-only;
they open it read-only, or writable only to log what they made.
"""
from __future__ import annotations

import os
from pathlib import Path

from forensix.case.lock import CaseBusy, acquire
from forensix.case.schema import DB_NAME, CaseError
from forensix.case.store import CaseStore
from forensix.cli.console import UserError


def open_case(case: Path, *, write: bool = False, create: bool = False) -> CaseStore:
    """The case at ``case``; a missing or unreadable case is a user error (exit 2). Opened to
    write, the case folder is held (:mod:`forensix.case.lock`) until the store is closed: a
    report made during a scan would describe half a scan, and two writers fork the log."""
    release = None
    if write and (create or Path(case).is_dir()):
        Path(case).mkdir(parents=True, exist_ok=True)
        try:
            release = acquire(Path(case), "writing the case")
        except CaseBusy as exc:
            raise UserError(str(exc)) from None
    try:
        store = CaseStore.open(case, create=create, read_only=not write)
    except CaseError as exc:
        if release is not None:
            release()
        raise UserError(str(exc)) from None
    store.on_close = release
    return store


def open_case_to_log(case: Path) -> CaseStore:
    """Writable when the folder can be written (to log the action), else read-only:
    the caller checks ``store.read_only`` and says that the action is not logged."""
    return open_case(case, write=writable(case))


def writable(case: Path) -> bool:
    return os.access(case, os.W_OK) and os.access(case / DB_NAME, os.W_OK)
