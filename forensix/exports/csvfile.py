"""A spreadsheet of the file records that Excel and LibreOffice open safely.

Spreadsheets are where hostile file names do harm: a cell that starts with
``=``, ``+``, ``-`` or ``@`` runs as a formula, and so does one where spaces,
a tab or a carriage return come first. Every such cell gets a leading
apostrophe. A byte-order mark makes Excel read the file as UTF-8, and booleans
are written ``true``/``false`` as in the JSON export.
"""
from __future__ import annotations

import csv
import json
import re
from typing import IO, Any, Mapping

from forensix.case.store import CaseStore
from forensix.exports import ExportOptions

NAME = "csv"
DESCRIPTION = "one row per file for a spreadsheet, with alert and category columns"

COLUMNS = ("evidence", "volume_offset", "fs_type", "path", "name", "inode", "deleted", "size",
           "md5", "sha1", "sha256", "mtime", "atime", "ctime", "crtime", "container",
           "mime", "extension_mismatch", "alert", "category", "hash_matches", "exif", "identifiers",
           "warnings")
BOM = "\ufeff"
_FORMULA = re.compile(r"\s*[=+\-@\t\r]")
"""A formula trigger after nothing but whitespace: ``=1``, `` =1``, ``\\t=1``, ``\\r@x``."""


def write(store: CaseStore, out: IO[str], options: ExportOptions) -> dict[str, int]:
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for record in store.export_records():
        row = {**record, **_alert_columns(record)}
        writer.writerow([cell(row.get(column)) for column in COLUMNS])
        count += 1
    return {"records": count}


def _alert_columns(record: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the file alerts, and the categories the hash sets give it (``1; 2``)."""
    matches = record.get("hash_matches") or []
    categories = dict.fromkeys(str(m["category"]) for m in matches if m.get("category") is not None)
    return {"alert": any(m.get("alert") for m in matches), "category": "; ".join(categories)}


def cell(value: Any) -> str:
    """One cell: nested values as compact JSON so the cell still holds all of it,
    booleans as ``true``/``false``, and anything a spreadsheet would run defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False) if value else ""
    else:
        text = str(value)
    return "'" + text if _FORMULA.match(text) else text
