"""Checking the chain of custody: the hash-chained action log and the reports
it vouches for.

Each action's hash covers its fields and the previous action's hash
(:func:`forensix.casestore.action_hash`), starting from ``GENESIS``. Editing an
entry breaks its own hash; deleting one leaves a gap in ``seq`` and breaks the
next entry's ``prev_hash``; rewriting the whole tail cannot be hidden from a
report made earlier, which carries the log head it saw (``log_head``).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from forensix.casestore import GENESIS, action_hash

REPORT_ACTION = "report generated"
_META = re.compile(rb'<meta name="forensix-(report-id|log-head)" content="([0-9a-f:-]+)"')


@dataclass(frozen=True, slots=True)
class Problem:
    """One alteration found, in words an examiner can put in a statement."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _entry_name(row: Mapping[str, Any]) -> str:
    return f"log entry {row['seq']} ({row['at']}, {row['action']!r})"


def verify_chain(rows: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Every break in the action log, in order; an empty list means intact."""
    problems = []
    expected_prev, expected_seq = GENESIS, 1
    for row in rows:
        if row["seq"] != expected_seq:
            missing = (f"entry {expected_seq}" if row["seq"] == expected_seq + 1
                       else f"entries {expected_seq} to {row['seq'] - 1}")
            problems.append(Problem(_entry_name(row), f"{missing} deleted (gap in the sequence)"))
        if row["prev_hash"] != expected_prev:
            problems.append(Problem(_entry_name(row), "does not follow the entry before it (prev_hash "
                                    f"{row['prev_hash'][:16]}… expected {expected_prev[:16]}…): "
                                    "an entry was deleted, inserted or reordered"))
        digest = action_hash(row["prev_hash"], row["at"], row["examiner"], row["host"],
                             row["tool_version"], row["action"], row["details"])
        if digest != row["hash"]:
            problems.append(Problem(_entry_name(row), "altered: its content no longer matches its hash "
                                    f"(recorded {row['hash'][:16]}…, content gives {digest[:16]}…)"))
        expected_prev, expected_seq = row["hash"], row["seq"] + 1
    return problems


def verify_noted_head(digest: str, rows: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """The log head an examiner noted (the scan summary prints it) must still be in
    the log: entries cut from the end leave no gap the chain itself could show."""
    if any(row["hash"] == digest.strip().lower() for row in rows):
        return []
    return [Problem("action log", f"no entry has the hash {digest.strip()} noted earlier: "
                                  "the log was cut or rewritten after it was noted")]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_sidecar(path: Path, digest: str) -> Path:
    """``REPORT.html.sha256`` in ``sha256sum`` format, so ``sha256sum -c`` checks it."""
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return sidecar


def report_meta(path: Path) -> dict[str, str]:
    """The report id and log head a report carries in its ``<meta>`` tags."""
    with open(path, "rb") as f:
        head = f.read(8192)
    return {m.group(1).decode(): m.group(2).decode() for m in _META.finditer(head)}


def logged_reports(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The reports the log vouches for: path, sha256, report_id, log_head, seq."""
    out = []
    for row in rows:
        if row["action"] == REPORT_ACTION:
            try:
                details = json.loads(row["details"])
            except ValueError:
                continue  # an altered entry is already reported by verify_chain
            out.append({**details, "seq": row["seq"]})
    return out


def verify_report(path: Path, rows: list[Mapping[str, Any]]) -> tuple[list[Problem], str]:
    """Check one report file against the log; returns the problems and, when
    it is intact, a line naming the log entry that vouches for it."""
    path = path.resolve()
    if not path.is_file():
        return [Problem(str(path), "report file not found")], ""
    digest = file_sha256(path)
    reports = logged_reports(rows)
    for rep in reports:
        if rep.get("sha256") == digest:
            return [], f"{path}: intact, report {rep.get('report_id')} (log entry {rep['seq']})"
    meta = report_meta(path)
    same = [r for r in reports if r.get("report_id") == meta.get("report-id")] or \
           [r for r in reports if r.get("path") == str(path)]
    if same:
        rep = same[-1]
        return [Problem(str(path), f"altered: its SHA-256 is now {digest}; log entry {rep['seq']} "
                                   f"recorded {rep.get('sha256')} for report {rep.get('report_id')}")], ""
    gone = _missing_head(meta.get("log-head"), rows)
    if gone:
        return [Problem(str(path), gone)], ""
    return [Problem(str(path), f"its SHA-256 {digest} matches no report in this case's log")], ""


def _missing_head(head: str | None, rows: list[Mapping[str, Any]]) -> str | None:
    """A report carries the last log entry it saw; if that entry is gone or
    changed, the log was cut or rewritten after the report was made."""
    if not head:
        return None
    seq, _, digest = head.partition(":")
    for row in rows:
        if str(row["seq"]) == seq:
            if row["hash"] == digest:
                return None
            return f"log entry {seq} no longer has the hash this report saw ({digest[:16]}…): the log was rewritten"
    return f"log entry {seq}, the last one this report saw, is gone: the log was cut after the report was made"
