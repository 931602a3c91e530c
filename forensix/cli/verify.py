"""``forensix verify`` (the case log and the reports and exports it vouches for) and
``forensix verify-evidence`` (the evidence media against the hashes the case recorded)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forensix.casestore import CaseStore
from forensix.cli.caseopen import open_case, open_case_to_log
from forensix.cli.console import EXIT_FAILED, UserError, console
from forensix.custody import (
    EXPORT_ACTION,
    REPORT_ACTION,
    Problem,
    logged_files,
    read_log,
    resolve_logged,
    verify_chain,
    verify_export,
    verify_noted_head,
    verify_report,
)
from forensix.evidence import EvidenceError, open_evidence
from forensix.integrity import ALGORITHMS, MediaReadError, compare_recorded, compare_stored, hash_media


@click.command("verify")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("--report", "reports", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Check this report file (default: every report and export the log names).")
@click.option("--log-head", "heads", multiple=True, metavar="HASH",
              help="A log head noted earlier (the scan summary prints it); it must still be in the log.")
def command(case: Path, reports: tuple[Path, ...], heads: tuple[str, ...]) -> None:
    """Check the action log of CASE and its reports and exports; exit 1 and say what changed if anything did."""
    store = open_case(case)
    try:
        rows, problems = read_log(store.db)
    finally:
        store.close()
    problems += verify_chain(rows)
    for head in heads:
        problems += verify_noted_head(head, rows)
    if reports:
        for path in dict.fromkeys(reports):
            problems += _say(verify_report(path, rows, case))
    else:
        problems += _check_logged_files(case, rows)
    if problems:
        for problem in problems:
            console.error(str(problem))
        raise SystemExit(EXIT_FAILED)
    console.info(f"action log intact: {len(rows)} entries, chained from the first to the last;"
                 f" head {rows[-1]['hash'] if rows else '(empty)'}")


def _check_logged_files(case: Path, rows: list[dict[str, Any]]) -> list[Problem]:
    """Every report and export the log names, found where this case folder has it."""
    problems: list[Problem] = []
    for action, what in ((REPORT_ACTION, "report"), (EXPORT_ACTION, "export")):
        by_path: dict[Path, list[dict[str, Any]]] = {}
        for entry in logged_files(rows, action):
            if entry.get("path"):
                by_path.setdefault(resolve_logged(case, str(entry["path"])), []).append(entry)
        for path, entries in by_path.items():
            if not path.is_file():
                console.warning(f"{path}: {what} named in the log is not there any more (moved?); not checked")
            elif what == "report":
                problems += _say(verify_report(path, rows, case))
            elif not any(e.get("sha256") for e in entries):
                console.warning(f"{path}: the log holds no SHA-256 for this export (made by an earlier"
                                " forensix); not checked")
            else:
                problems += _say(verify_export(path, [e for e in entries if e.get("sha256")]))
    return problems


def _say(result: tuple[list[Problem], str]) -> list[Problem]:
    problems, line = result
    if line:
        console.info(line)
    return problems


@click.command("verify-evidence")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("--evidence", "moved", multiple=True, metavar="[EXHIBIT=]PATH",
              help="Where an evidence item is now, if not where the scan read it: the path (the item whose"
                   " file name matches, or the only one), or EXHIBIT=PATH. Repeatable.")
def verify_evidence_command(case: Path, moved: tuple[str, ...]) -> None:
    """Re-hash every evidence item of CASE and compare with the hashes recorded at the scan."""
    store = open_case_to_log(case)
    failed = False
    try:
        items = store.evidence()
        if not items:
            console.info(f"{case}: no evidence has been scanned into this case; nothing to verify")
        where = _evidence_now(items, moved)
        if store.read_only:
            console.warning(f"{case}: the case folder is read-only; these results are not logged in the case")
        for ev in items:
            failed |= _verify_one(store, ev, where.get(ev["id"], ev["path"]))
    finally:
        store.close()
    if failed:
        raise SystemExit(EXIT_FAILED)


def _evidence_now(items: list[Any], moved: tuple[str, ...]) -> dict[int, str]:
    """Evidence id -> the path given with ``--evidence`` for it."""
    where: dict[int, str] = {}
    for spec in moved:
        label, sep, path = spec.partition("=")
        if sep and any(label in (ev["exhibit"], ev["label"]) for ev in items):
            matches = [ev for ev in items if label in (ev["exhibit"], ev["label"])]
        else:
            path = spec
            name = Path(path).name
            matches = [ev for ev in items if Path(ev["path"]).name == name] or (items if len(items) == 1 else [])
        if len(matches) != 1:
            known = ", ".join(f"{ev['exhibit'] or ev['label']} ({Path(ev['path']).name})" for ev in items)
            raise UserError(f"--evidence {spec}: cannot tell which evidence item it is (known: {known or 'none'});"
                            " write EXHIBIT=PATH")
        if not Path(path).exists():
            raise UserError(f"--evidence {spec}: {path}: no such file or folder")
        where[matches[0]["id"]] = str(Path(path).resolve())
    return where


def _verify_one(store: CaseStore, ev: Any, path: str) -> bool:
    """Hash one item where it is now; returns whether the check failed."""
    recorded = {a: ev[a] for a in ALGORITHMS}
    failed = False
    try:
        source = open_evidence(path)
        try:
            computed = hash_media(source)
        finally:
            source.close()
    except (EvidenceError, MediaReadError, OSError) as exc:
        result, detail = "unreadable", str(exc)
        computed = {}
    else:
        differs = compare_recorded(recorded, computed)
        if not any(recorded.values()):
            result, detail = "not recorded", "the scan recorded no media hash to compare with"
        elif differs:
            result, detail = "mismatch", f"{', '.join(differs)} differ from the scan's"
        else:
            result, detail = "match", "same as recorded at the scan"
        stored = compare_stored({"md5": ev["stored_md5"], "sha1": ev["stored_sha1"]}, computed)
        detail += f"; container's stored hash: {stored}"
        failed = stored == "mismatch"
    failed |= result in ("mismatch", "unreadable")
    moved = {"read_at": path} if path != ev["path"] else {}
    if not store.read_only:
        store.log_action("evidence verified", path=ev["path"], result=result, detail=detail, **moved, **computed)
    say = {"match": console.info, "not recorded": console.warning}.get(result, console.error)
    where = f" (read at {path})" if moved else ""
    say(f"{ev['exhibit'] or ev['label']}: {result}: {detail}{where}"
        + (f" (SHA-256 {computed['sha256']})" if computed else ""))
    return failed
