"""``forensix case``: the case's details and each exhibit's seizure record, as
they appear on the report's cover; every change is in the action log."""
from __future__ import annotations

from pathlib import Path

import click

from forensix.case.store import CASE_ID, CaseStore, new_case_id
from forensix.cli.caseopen import open_case
from forensix.cli.console import CommandGroup, UserError, console
from forensix.wording import plural

_INFO_KEYS = ("case_number", "title", "agency", "examiner", CASE_ID)


@click.group("case", cls=CommandGroup)
def command() -> None:
    """Case and exhibit details for the report."""


@command.command("init", short_help="Create a case folder, or change its details.")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("--case-number", required=True, help="The case or file number, as on the report's cover.")
@click.option("--examiner", required=True, help="Who examines the evidence; every log entry names them.")
@click.option("--agency", required=True, help="Unit or agency, as on the report's cover.")
@click.option("--title", help="A short title for the case (e.g. an operation name).")
def init(case: Path, case_number: str, examiner: str, agency: str, title: str | None) -> None:
    """Create CASE (or update its details): number, examiner, agency, title."""
    store = open_case(case, write=True, create=True)
    try:
        info = store.info()
        values = {"case_number": case_number, "examiner": examiner, "agency": agency, "title": title,
                  CASE_ID: None if info.get(CASE_ID) else new_case_id()}  # given once: changed details keep it
        action = "case details changed" if info.get("case_number") else "case created"
        store.set_info(**values)
        store.log_action(action, **{k: v for k, v in values.items() if v is not None})
    finally:
        store.close()
    console.info(f"case {case_number} ready in {case}")


@command.command("exhibit", short_help="Record an exhibit's number, description and seizure.")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.argument("evidence")
@click.option("--exhibit", help="Exhibit number.")
@click.option("--description", help="What the exhibit is (e.g. 'Laptop disk, Dell Latitude').")
@click.option("--seized-by", help="Who seized it.")
@click.option("--seized-at", help="When (e.g. 2024-03-01T09:30+01:00).")
@click.option("--seized-where", help="Where.")
def exhibit(case: Path, evidence: str, **values: str | None) -> None:
    """Record exhibit details for EVIDENCE (its label, exhibit number or path in the case)."""
    store = open_case(case, write=True)
    try:
        row = _find_evidence(store, evidence)
        changes = {k: v for k, v in values.items() if v is not None}
        if not changes:
            raise UserError("nothing to record: give --exhibit, --description or a --seized-* option")
        store.update_evidence(row["id"], **changes)
        store.log_action("exhibit details recorded", path=row["path"], **changes)
    finally:
        store.close()
    console.info(f"{row['path']}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in changes.items()))


@command.command("show", short_help="Show the case details and its exhibits.")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
def show(case: Path) -> None:
    """Show the case details and its exhibits (the case folder may be read-only)."""
    store = open_case(case)
    try:
        info = store.info()
        console.table(f"case {case}", [(k.replace("_", " "), info.get(k) or "—") for k in (*_INFO_KEYS, "created_at")])
        for ev in store.evidence():
            console.table(f"exhibit {ev['exhibit'] or '—'}: {ev['label']}", [
                (k.replace("_", " ").replace("sha256", "SHA-256").replace("md5", "MD5"), _value(ev[k]))
                for k in ("path", "format", "size", "description", "seized_by", "seized_at", "seized_where",
                          "md5", "sha256", "scanned_at")])
        console.info(f"{plural(store.count('SELECT COUNT(*) FROM actions'), 'entry', 'entries')} in the action log")
    finally:
        store.close()


def _value(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:,} bytes" if isinstance(value, int) else str(value)


def _find_evidence(store: CaseStore, wanted: str):
    """By label, exhibit number or path (as given or resolved)."""
    resolved = str(Path(wanted).resolve())
    rows = [r for r in store.evidence() if wanted in (r["label"], r["exhibit"], r["path"]) or r["path"] == resolved]
    if len(rows) != 1:
        known = ", ".join(r["label"] for r in store.evidence()) or "none scanned yet"
        raise UserError(f"{wanted}: {'ambiguous' if rows else 'no such evidence item'} in the case (known: {known})")
    return rows[0]
