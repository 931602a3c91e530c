"""``forensix verify`` (the case log and the reports and exports it vouches for) and
``forensix verify-evidence`` (the evidence media against the hashes the case recorded)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forensix.case.custody import (
    EXPORT_ACTION,
    REPORT_ACTION,
    Problem,
    logged_files,
    read_log,
    resolve_logged,
    verify_case_id,
    verify_chain,
    verify_export,
    verify_noted_head,
    verify_report,
    verify_seen_in,
)
from forensix.case.integrity import ALGORITHMS, MediaReadError, compare_recorded, compare_stored, hash_media
from forensix.case.sealcheck import CaseSeals, check_case, logged_media
from forensix.case.store import CaseStore
from forensix.cli.caseopen import open_case, open_case_to_log
from forensix.cli.console import EXIT_FAILED, UserError, console
from forensix.evidence import EvidenceError, open_evidence


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
        seals = check_case(store, rows)
        compared = verify_seen_in(store.db, rows)
        identity = verify_case_id(store.db, rows)
    finally:
        store.close()
    problems += verify_chain(rows)
    problems += _say(identity)
    problems += _say_seals(seals)
    problems += _say(compared)
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


def _say_seals(seals: CaseSeals) -> list[Problem]:
    """One line per evidence item: its records intact against their seal, or each change;
    an item whose scan did not finish is a warning (the case is honest about it)."""
    for check in seals.checks:
        for note in check.notes:
            console.warning(note)
        if check.intact:
            console.info(f"{check.exhibit}: records intact: {check.summary()} as sealed by log entry {check.seq}"
                         f" (seal {check.sealed})")
    for note in seals.unsealed.values():
        console.warning(note)
    problems = seals.all_problems
    for check in seals.checks:
        if check.more:
            problems.append(Problem(check.exhibit, f"and {check.more:,} more changes to its records"))
    return problems


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
    """Re-hash every evidence item of CASE and compare with the hashes sealed in its log at the scan."""
    store = open_case_to_log(case)
    failed = False
    try:
        items = store.evidence()
        if not items:
            console.info(f"{case}: no evidence has been scanned into this case; nothing to verify")
        where = _evidence_now(items, moved)
        if store.read_only:
            console.warning(f"{case}: the case folder is read-only; these results are not logged in the case")
        rows, damage = read_log(store.db)
        if damage or verify_chain(rows):
            console.error(f"{case}: the action log is damaged (`forensix verify` names how); the hashes it holds"
                          " cannot be relied on")
            failed = True
        sealed = logged_media(rows, items)
        for ev in items:
            failed |= _verify_one(store, ev, where.get(ev["id"]), sealed.get(ev["id"]))
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


def _verify_one(store: CaseStore, ev: Any, moved: str | None, logged: tuple[int, dict[str, Any], str] | None) -> bool:
    """Hash one item where it is now and compare with the hashes its log holds (the seal
    of its scan, else the media hash the scan logged); returns whether the check failed."""
    label = ev["exhibit"] or ev["label"]
    failed = False
    if logged is None:
        recorded = {a: ev[a] for a in (*ALGORITHMS, "stored_md5", "stored_sha1")}
        recorded["path"], basis = ev["path"], "the case's evidence record (no log entry holds its hashes)"
        if any(ev[a] for a in ALGORITHMS):
            console.warning(f"{label}: no log entry holds the media hash the case records; comparing with the case's"
                            " evidence record, which nothing seals")
    else:
        seq, recorded, how = logged
        basis = f"log entry {seq} ({how})"
        changed = [k for k in ("path", *ALGORITHMS) if recorded.get(k) and str(ev[k]) != str(recorded[k])]
        if changed:
            console.error(f"{label}: the case's evidence record was changed after the scan: "
                          + "; ".join(f"{k} {ev[k] or 'empty'}, {basis} holds {recorded[k]}" for k in changed))
            failed = True
    path = moved or str(recorded.get("path") or ev["path"])
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
        if not any(recorded.get(a) for a in ALGORITHMS):
            result, detail = "not recorded", "the scan recorded no media hash to compare with"
        elif differs:
            result, detail = "mismatch", f"{', '.join(differs)} differ from those of {basis}"
        else:
            result, detail = "match", f"same as {basis}"
        stored = compare_stored({"md5": recorded.get("stored_md5"), "sha1": recorded.get("stored_sha1")}, computed)
        detail += f"; container's stored hash: {stored}"
        failed |= stored == "mismatch"
    failed |= result in ("mismatch", "unreadable")
    read_at = {"read_at": path} if path != ev["path"] else {}
    if not store.read_only:
        store.log_action("evidence verified", path=ev["path"], result=result, detail=detail, **read_at, **computed)
    say = {"match": console.info, "not recorded": console.warning}.get(result, console.error)
    where = f" (read at {path})" if read_at else ""
    say(f"{label}: {result}: {detail}{where}" + (f" (SHA-256 {computed['sha256']})" if computed else ""))
    return failed
