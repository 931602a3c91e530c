"""Checking the chain of custody: the hash-chained action log and the reports
and exports it vouches for.

Each action's hash covers its fields and the previous action's hash
(:func:`forensix.case.store.action_hash`), starting from ``GENESIS``. Editing an
entry breaks its own hash; deleting one leaves a gap in ``seq`` and breaks the
next entry's ``prev_hash``; rewriting the whole tail cannot be hidden from a
report made earlier, which carries the log head it saw (``log_head``).

Files the case writes are named in the log relative to the case folder when
they are inside it, so a copy of the folder checks its own files, never the
original's.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from forensix.atomicfile import atomic_writer
from forensix.case.schema import has_seen_in
from forensix.case.store import CASE_ID, GENESIS, IDENTITY_ACTION, action_hash

REPORT_ACTION = "report generated"
EXPORT_ACTION = "export made"
SEAL_ACTION = "evidence scan completed"
"""The entry closing a scan of an evidence item; it carries the seal of its records (:mod:`forensix.case.seal`)."""
COMPARED_ACTION = "repository compared"
"""A comparison with the lab's repository: its entry holds ``seen_in_sha256``, the digest of the
``seen_in`` table it wrote (kept beside the sealed records, so outside their seals)."""
_LOG_COLUMNS = ("at", "examiner", "host", "tool_version", "action", "details", "prev_hash", "hash")
_META = re.compile(rb'<meta name="forensix-(report-id|log-head)" content="([0-9a-f:-]+)"')
_SEAL_META = re.compile(rb'<meta name="forensix-seal" content="([0-9]+):([0-9a-f]{64})"')


@dataclass(frozen=True, slots=True)
class Problem:
    """One alteration found, in words an examiner can put in a statement."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _entry_name(row: Mapping[str, Any]) -> str:
    return f"log entry {row['seq']} ({row['at']}, {row['action']!r})"


def read_log(db: sqlite3.Connection) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The action log as plain dicts, and the entries whose text is not UTF-8.

    SQLite stores whatever bytes it is given in a TEXT column; a byte edited in
    with a hex editor or a raw UPDATE can leave one that is not UTF-8, which
    Python's sqlite3 refuses to read. Each column is read as bytes and decoded
    with replacement characters, so the damage is named, and the entry's hash
    no longer matching shows it as altered too."""
    columns = ", ".join(f"CAST({c} AS BLOB) AS {c}" for c in _LOG_COLUMNS)
    rows, problems = [], []
    for raw in db.execute(f"SELECT seq, {columns} FROM actions ORDER BY seq"):
        row: dict[str, Any] = {"seq": raw[0]}
        damaged = []
        for name, value in zip(_LOG_COLUMNS, raw[1:]):
            try:
                row[name] = value.decode("utf-8") if value is not None else None
            except UnicodeDecodeError:
                row[name] = value.decode("utf-8", "replace")
                damaged.append(name)
        if damaged:
            problems.append(Problem(_entry_name(row), f"damaged: its {', '.join(damaged)} holds bytes that are"
                                                      " not UTF-8 text (written outside forensix)"))
        rows.append(row)
    return rows, problems


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
    with atomic_writer(sidecar) as out:
        out.write(f"{digest}  {path.name}\n".encode("utf-8"))
    return sidecar


# -- paths in the log ----------------------------------------------------------------------

def case_relative(case_dir: Path, path: Path) -> str:
    """How the log names a file the case wrote: relative to the case folder when it
    is inside it (a copy of the folder then verifies its own files), else absolute."""
    path, case_dir = Path(path).resolve(), Path(case_dir).resolve()
    return path.relative_to(case_dir).as_posix() if path.is_relative_to(case_dir) else str(path)


def resolve_logged(case_dir: Path, logged: str) -> Path:
    """Where a file the log names is now, for the case folder being checked.

    A relative name is inside this case folder. An absolute name (logs written
    before names were relative) may point into the folder the case was copied
    from: the copy's own file is preferred, found as the longest tail of the
    logged path that exists inside this case folder; else the path as logged
    (a report written outside the case folder)."""
    path = Path(logged)
    if not path.is_absolute():
        return Path(case_dir) / path
    parts = path.parts[1:]
    for start in range(len(parts)):
        candidate = Path(case_dir).joinpath(*parts[start:])
        if candidate.is_file():
            return candidate
    return path


# -- the reports and exports the log vouches for ----------------------------------------------

def _report_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(16384)


def report_meta(path: Path) -> dict[str, str]:
    """The report id and log head a report carries in its ``<meta>`` tags."""
    return {m.group(1).decode(): m.group(2).decode() for m in _META.finditer(_report_head(path))}


def report_seals(path: Path) -> dict[int, str]:
    """Scan id -> the seal of the records a report was made from (its ``forensix-seal`` tags)."""
    return {int(m.group(1)): m.group(2).decode() for m in _SEAL_META.finditer(_report_head(path))}


def verify_report_seals(path: Path, report_id: str | None, rows: list[Mapping[str, Any]]) -> list[Problem]:
    """Each seal a report carries must be the one the log holds for that scan: a report
    made from records that no longer matched their seal carries their digest instead."""
    sealed = {entry.get("scan"): entry for entry in logged_files(rows, SEAL_ACTION)}
    problems = []
    for scan_id, digest in report_seals(path).items():
        entry = sealed.get(scan_id)
        logged = (entry.get("seal") or {}).get("sha256") if entry else None
        if logged == digest:
            continue
        what = (f"report {report_id} was made from records of {entry.get('label')} (scan {scan_id}) that did not"
                f" match their seal: it carries {digest}, log entry {entry['seq']} sealed {logged}") if entry else \
               f"report {report_id} carries a seal ({digest}) for scan {scan_id}, which no log entry sealed"
        problems.append(Problem(str(path), what))
    return problems


def logged_files(rows: Iterable[Mapping[str, Any]], action: str) -> list[dict[str, Any]]:
    """The log's entries for ``action`` whose details read as a JSON object: their details
    and ``seq``; ``path`` is what the entry names (exports of older versions logged ``output``)."""
    out = []
    for row in rows:
        if row["action"] == action:
            try:
                details = json.loads(row["details"])
            except ValueError:
                continue  # an altered entry is already reported by verify_chain
            if isinstance(details, dict):
                path = details.get("path") or details.get("output")
                out.append({**details, "path": path, "seq": row["seq"]})
    return out


def logged_reports(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return logged_files(rows, REPORT_ACTION)


def verify_report(path: Path, rows: list[Mapping[str, Any]], case_dir: Path) -> tuple[list[Problem], str]:
    """Check one report file against the log; returns the problems and, when
    it is intact, a line naming the log entry that vouches for it."""
    path = path.resolve()
    if not path.is_file():
        return [Problem(str(path), "report file not found")], ""
    digest = file_sha256(path)
    reports = logged_reports(rows)
    for rep in reports:
        if rep.get("sha256") == digest:
            problems = verify_report_seals(path, rep.get("report_id"), rows)
            return problems, "" if problems else f"{path}: intact, report {rep.get('report_id')} (log entry {rep['seq']})"
    meta = report_meta(path)
    same = [r for r in reports if r.get("report_id") == meta.get("report-id")] or \
           [r for r in reports if r.get("path") and resolve_logged(case_dir, r["path"]).resolve() == path]
    if same:
        rep = same[-1]
        return [Problem(str(path), f"altered: its SHA-256 is now {digest}; log entry {rep['seq']} "
                                   f"recorded {rep.get('sha256')} for report {rep.get('report_id')}")], ""
    gone = _missing_head(meta.get("log-head"), rows)
    if gone:
        return [Problem(str(path), gone)], ""
    return [Problem(str(path), f"its SHA-256 {digest} matches no report in this case's log")], ""


def verify_export(path: Path, entries: list[Mapping[str, Any]]) -> tuple[list[Problem], str]:
    """Check an export file against the log entries that wrote it (the same file
    may be written more than once; it must be one of those writings, byte for byte)."""
    digest = file_sha256(path)
    for entry in reversed(entries):
        if entry.get("sha256") == digest:
            return [], f"{path}: intact, {entry.get('format', '?')} export (log entry {entry['seq']})"
    last = entries[-1]
    return [Problem(str(path), f"altered: its SHA-256 is now {digest}; log entry {last['seq']} "
                               f"recorded {last['sha256']} for this {last.get('format', '?')} export")], ""


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


def seen_in_digest(rows: Iterable[tuple[int, str]]) -> str:
    """SHA-256 of ``seen_in`` rows ``(file_id, entries)`` in file order, as a comparison logs it."""
    digest = hashlib.sha256()
    for file_id, entries in rows:
        digest.update(f"{file_id}\t{entries}\n".encode())
    return digest.hexdigest()


def verify_seen_in(db: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> tuple[list[Problem], str]:
    """What other cases saw (``seen_in``) against the log entry of the last comparison that wrote it:
    the table lies outside the scans' seals, so this digest is what vouches for it."""
    table = db.execute("SELECT file_id, entries FROM seen_in ORDER BY file_id").fetchall() if has_seen_in(db) else []
    entries = logged_files(rows, COMPARED_ACTION)
    if not entries:
        return ([Problem("seen in other cases", f"{len(table):,} records say what other cases saw, but the log holds"
                                                " no comparison with a repository that wrote it")] if table else []), ""
    last = entries[-1]
    if not last.get("seen_in_sha256"):
        return [], ""
    if seen_in_digest(table) != last["seen_in_sha256"]:
        return [Problem("seen in other cases", f"what {len(table):,} records say other cases saw changed since the"
                                               f" comparison of log entry {last['seq']} wrote it")], ""
    return [], (f"seen in other cases: {len(table):,} records as the comparison of log entry {last['seq']}"
                " wrote them")


def verify_case_id(db: sqlite3.Connection, rows: list[Mapping[str, Any]]) -> tuple[list[Problem], str]:
    """The case's identity against the log entry that gave it: the lab's repository files a case's
    sightings under it, so one edited into the case would replace another case's."""
    found = db.execute("SELECT value FROM case_info WHERE key=?", (CASE_ID,)).fetchone()
    held = found[0] if found else None
    given = sorted((e for action in ("case created", "case details changed", IDENTITY_ACTION)
                    for e in logged_files(rows, action) if e.get(CASE_ID)), key=lambda e: e["seq"])
    if not given:
        return ([Problem("case identity", f"the case holds identity {held}, which no log entry gave it")]
                if held else []), ""
    last = given[-1]
    if held != last[CASE_ID]:
        return [Problem("case identity", f"the case's identity is {held or 'gone'}, not {last[CASE_ID]} as log"
                                         f" entry {last['seq']} gave it")], ""
    return [], f"case identity {held} as log entry {last['seq']} gave it"
