"""``forensix verify`` (the case log and its reports) and ``forensix verify-evidence``
(the evidence media against the hashes the case recorded)."""
from __future__ import annotations

from pathlib import Path

import click

from forensix.casestore import CaseError, CaseStore
from forensix.cli.console import EXIT_FAILED, UserError, console
from forensix.custody import logged_reports, verify_chain, verify_noted_head, verify_report
from forensix.evidence import EvidenceError, open_evidence
from forensix.integrity import ALGORITHMS, MediaReadError, compare_recorded, compare_stored, hash_media


def _open_case(case: Path) -> CaseStore:
    try:
        return CaseStore.open(case)
    except CaseError as exc:
        raise UserError(str(exc)) from None


@click.command("verify")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("--report", "reports", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Check this report file (default: every report the log mentions).")
@click.option("--log-head", "heads", multiple=True, metavar="HASH",
              help="A log head noted earlier (the scan summary prints it); it must still be in the log.")
def command(case: Path, reports: tuple[Path, ...], heads: tuple[str, ...]) -> None:
    """Check the action log of CASE and its reports; exit 1 and say what changed if anything did."""
    store = _open_case(case)
    try:
        rows = [dict(r) for r in store.actions()]
    finally:
        store.close()
    problems = verify_chain(rows)
    for head in heads:
        problems += verify_noted_head(head, rows)
    paths = list(reports) or [Path(r["path"]) for r in logged_reports(rows) if r.get("path")]
    for path in dict.fromkeys(paths):
        if not reports and not path.exists():
            console.warning(f"{path}: report named in the log is not there any more (moved?); not checked")
            continue
        found, line = verify_report(path, rows)
        problems += found
        if line:
            console.info(line)
    if problems:
        for problem in problems:
            console.error(str(problem))
        raise SystemExit(EXIT_FAILED)
    console.info(f"action log intact: {len(rows)} entries, chained from the first to the last;"
                 f" head {rows[-1]['hash'] if rows else '(empty)'}")


@click.command("verify-evidence")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
def verify_evidence_command(case: Path) -> None:
    """Re-hash every evidence item of CASE and compare with the hashes recorded at the scan."""
    store = _open_case(case)
    failed = False
    try:
        if not store.evidence():
            console.info(f"{case}: no evidence has been scanned into this case; nothing to verify")
        for ev in store.evidence():
            recorded = {a: ev[a] for a in ALGORITHMS}
            try:
                source = open_evidence(ev["path"])
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
                failed |= stored == "mismatch"
            failed |= result in ("mismatch", "unreadable")
            store.log_action("evidence verified", path=ev["path"], result=result, detail=detail, **computed)
            say = {"match": console.info, "not recorded": console.warning}.get(result, console.error)
            say(f"{ev['exhibit'] or ev['label']}: {result}: {detail}" + (f" (SHA-256 {computed['sha256']})" if computed else ""))
    finally:
        store.close()
    if failed:
        raise SystemExit(EXIT_FAILED)
