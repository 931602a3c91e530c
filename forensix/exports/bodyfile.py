"""The Sleuth Kit's bodyfile (3.x): the input of ``mactime``, for a timeline.

``MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime``, UNIX
seconds, one line per file. The name field carries the exhibit and the volume
(``JS/1@1048576:/Users/x.jpg``) so one timeline can hold several exhibits; a
deleted file ends in `` (deleted)`` as ``fls -m`` writes it.

``mactime`` silently drops a line it cannot parse, so every field is made to
parse: ``|``, ``%`` and control characters in names are written as ``%HH``
(which ``mactime`` decodes), a time it has no way to hold (none, or before 1970)
is 0, and the inode is digits and dashes only (an archive member takes its
archive's inode; its name says which member).
"""
from __future__ import annotations

import re
from typing import IO, Any, Mapping

from forensix.case.store import CaseStore
from forensix.exports import ExportOptions

NAME = "bodyfile"
DESCRIPTION = "The Sleuth Kit's bodyfile, for a timeline with mactime"

MODE = "r/----------"
"""The walkers record no permissions; ``mactime`` needs the field, so a regular file with none."""
_ESCAPE = re.compile(r"[\x00-\x1f\x7f%|]")
_INODE = re.compile(r"[0-9-]+")


def write(store: CaseStore, out: IO[str], options: ExportOptions) -> dict[str, int]:
    count = 0
    for record in store.export_records():
        times = [options.zone.unix(record, field) for field in ("atime", "mtime", "ctime", "crtime")]
        fields = [record.get("md5") or "0", name(record), inode(record.get("inode")), MODE, "0", "0",
                  str(record.get("size") or 0), *map(str, times)]
        out.write("|".join(fields) + "\n")
        count += 1
    return {"records": count}


def name(record: Mapping[str, Any]) -> str:
    text = f"{record.get('evidence')}@{record.get('volume_offset')}:{record.get('path')}"
    if record.get("deleted"):
        text += " (deleted)"
    return _ESCAPE.sub(lambda m: f"%{ord(m.group()):02X}", text)


def inode(value: Any) -> str:
    """TSK's address as ``mactime`` accepts it: ``70:1`` (member 1 of the archive at 70) gives 70."""
    match = _INODE.match(str(value or ""))
    return match.group() if match else "0"
