"""``forensix export``: one record per file, as JSON lines or CSV."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Any, Iterable

import click

from forensix.cli.caseopen import open_case, open_case_to_log
from forensix.cli.console import console

CSV_COLUMNS = ("evidence", "volume_offset", "fs_type", "path", "name", "inode", "deleted", "size",
               "md5", "sha1", "sha256", "mtime", "atime", "ctime", "crtime", "container",
               "mime", "extension_mismatch", "hash_matches", "exif", "identifiers", "warnings")


@click.command("export")
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def command(case: Path, fmt: str, output: Path | None) -> None:
    """Export every file record of CASE (JSONL fields are documented in the README)."""
    store = open_case(case) if output is None else open_case_to_log(case)
    try:
        records = store.export_records()
        if output is None:
            count = _write(records, fmt, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                count = _write(records, fmt, out)
            if store.read_only:
                console.warning(f"{case}: the case folder is read-only; this export is not logged in the case")
            else:
                store.log_action("export made", format=fmt, output=str(output.resolve()), records=count)
            console.info(f"{count} records written to {output}")
    finally:
        store.close()


def _write(records: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow([_cell(record.get(column)) for column in CSV_COLUMNS])
        count += 1
    return count


def _cell(value: Any) -> str:
    """Nested values as compact JSON, so a spreadsheet cell still holds all of it.

    A leading ``=``, ``+``, ``-`` or ``@`` in a hostile file name would run as a
    formula in a spreadsheet; such cells are prefixed with an apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False) if value else ""
    else:
        text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
