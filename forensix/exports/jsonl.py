"""JSON lines: the public export record, one per line (keys in the README)."""
from __future__ import annotations

import json
from typing import IO

from forensix.case.store import CaseStore
from forensix.exports import ExportOptions

NAME = "jsonl"
DESCRIPTION = "one JSON object per file, the public record documented in the README"


def write(store: CaseStore, out: IO[str], options: ExportOptions) -> dict[str, int]:
    count = 0
    for record in store.export_records():
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return {"records": count}
