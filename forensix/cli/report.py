"""``forensix report``: the self-contained HTML evidence report of a case."""
from __future__ import annotations

from pathlib import Path

import click

from forensix.casestore import CaseError, CaseStore
from forensix.cli.console import UserError, console
from forensix.report import ReportOptions, generate_report


@click.command("report")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Report file (default: CASE/REPORT.html); its SHA-256 goes beside it as FILE.sha256.")
@click.option("--show-thumbnails", is_flag=True,
              help="Embed small thumbnails of ordinary pictures (never of known material).")
@click.option("--all-files", is_flag=True, help="List known-good files in the appendix too.")
def command(case: Path, output: Path | None, show_thumbnails: bool, all_files: bool) -> None:
    """Write the evidence report of CASE: one HTML file that opens offline and prints to A4/Letter."""
    try:
        store = CaseStore.open(case)
    except CaseError as exc:
        raise UserError(str(exc)) from None
    output = output or case / "REPORT.html"
    if not output.parent.is_dir():
        raise UserError(f"{output.parent}: no such folder")
    try:
        result = generate_report(store, output, ReportOptions(all_files=all_files, show_thumbnails=show_thumbnails))
    finally:
        store.close()
    console.info(f"report {result.report_id} written to {result.path}")
    console.info(f"SHA-256 {result.sha256} (in {result.sidecar.name} and the case log)")
