"""``forensix report``: the self-contained HTML evidence report of a case."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from forensix.case.scanstate import exhibit_states, nothing_scanned
from forensix.cli.caseopen import open_case_to_log
from forensix.cli.console import UserError, console
from forensix.cli.options import secret_options
from forensix.report import ReportOptions, generate_report
from forensix.volumes.secrets import Secrets


@click.command("report")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Report file (default: CASE/REPORT.html); its SHA-256 goes beside it as FILE.sha256.")
@click.option("--show-thumbnails", is_flag=True,
              help="Embed small thumbnails of ordinary pictures (never of known material).")
@click.option("--all-files", is_flag=True, help="List known-good files in the appendix too.")
@click.option("--allow-empty", is_flag=True,
              help="Write the report even if nothing has been scanned into the case (every figure is then zero).")
@click.option("--device-timezone", metavar="ZONE",
              help="Time zone the seized device's clock was set to (e.g. Europe/London): times that file"
                   " systems such as FAT store as device local time are then also given in UTC.")
@secret_options
def command(case: Path, output: Path | None, show_thumbnails: bool, all_files: bool, allow_empty: bool,
            device_timezone: str | None, secrets: Secrets) -> None:
    """Write the evidence report of CASE: one HTML file that opens offline and prints to A4/Letter.

    With --show-thumbnails, pictures inside encrypted volumes are read again with the keys given
    here (the same as to the scan); without them those pictures get no thumbnail, and the report says so.
    """
    if device_timezone:
        try:
            ZoneInfo(device_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UserError(f"--device-timezone {device_timezone}: not a time zone name"
                            " (such as Europe/London or America/New_York)") from None
    output = output or case / "REPORT.html"
    if not output.parent.is_dir():
        raise UserError(f"{output.parent}: no such folder")
    store = open_case_to_log(case)
    try:
        if not allow_empty and nothing_scanned(exhibit_states(store)):
            raise UserError(f"{case}: nothing has been scanned into this case, so every figure of a report would be"
                            " zero; scan evidence first, or give --allow-empty to write it anyway")
        if store.read_only:
            if output.resolve().parent.is_relative_to(case.resolve()):
                raise UserError(f"{case}: the case folder is read-only; write the report elsewhere with -o FILE")
            console.warning(f"{case}: the case folder is read-only, so this report is not recorded in its"
                            " action log and `forensix verify` cannot vouch for it")
        options = ReportOptions(all_files=all_files, show_thumbnails=show_thumbnails, device_timezone=device_timezone)
        result = generate_report(store, output, options, secrets=secrets)
    finally:
        store.close()
    for note in result.notes:
        console.warning(f"no thumbnails of the pictures in {note}")
    console.info(f"report {result.report_id} written to {result.path}")
    console.info(f"SHA-256 {result.sha256} (in {result.sidecar.name}"
                 + (")" if store.read_only else " and the case log)"))
