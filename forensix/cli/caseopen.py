"""Opening a case folder for a command: for reading only, or for writing when it can be written.

Reading commands (``verify``, ``case show``, ``export``, ``report -o ELSEWHERE``)
must work on a case handed over on write-protected media or copied read-only;
they open it read-only, or writable only to log what they made.
"""
from __future__ import annotations

import os
from pathlib import Path

from forensix.casestore import DB_NAME, CaseError, CaseStore
from forensix.cli.console import UserError


def open_case(case: Path, *, write: bool = False, create: bool = False) -> CaseStore:
    """The case at ``case``; a missing or unreadable case is a user error (exit 2)."""
    try:
        return CaseStore.open(case, create=create, read_only=not write)
    except CaseError as exc:
        raise UserError(str(exc)) from None


def open_case_to_log(case: Path) -> CaseStore:
    """Writable when the folder can be written (to log the action), else read-only:
    the caller checks ``store.read_only`` and says that the action is not logged."""
    return open_case(case, write=writable(case))


def writable(case: Path) -> bool:
    return os.access(case, os.W_OK) and os.access(case / DB_NAME, os.W_OK)
