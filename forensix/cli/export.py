"""``forensix export``: the case's file records in an interchange format.

The formats live in :mod:`forensix.exports`; this command picks one, sends it
to standard output or to a file, and logs a file export in the case's action
log with its SHA-256, so ``verify`` can check it later like a report.
"""
from __future__ import annotations

from pathlib import Path

import click

from forensix.case.custody import EXPORT_ACTION, case_relative
from forensix.cli.caseopen import open_case, open_case_to_log
from forensix.cli.console import UserError, console
from forensix.exports import INCLUDES, ExportOptions, formats
from forensix.exports.output import atomic_file, standard_output
from forensix.exports.times import DeviceZone


@click.command("export")
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(list(formats())), default="jsonl", show_default=True,
              help="jsonl and csv: every file record; case: CASE/UCO JSON-LD; dfxml: DFXML 1.2 as fiwalk "
                   "writes it; bodyfile: The Sleuth Kit's timeline input for mactime; vics: Project VIC "
                   "VICS 2.0 JSON of the alerts.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically, logged with its SHA-256) instead of standard output.")
@click.option("--include", "includes", type=click.Choice(INCLUDES), multiple=True,
              help="vics: also export the pictures that are in no hash set, for categorisation.")
@click.option("--device-timezone", metavar="ZONE",
              help="Time zone of the devices whose file systems store local time (FAT, exFAT, zip), "
                   "e.g. Europe/London: their times are then written as UTC. Without it they are "
                   "written as on the device.")
def command(case: Path, fmt: str, output: Path | None, includes: tuple[str, ...],
            device_timezone: str | None) -> None:
    """Export the file records of CASE (formats and samples in the README)."""
    if includes and fmt != "vics":
        raise UserError("--include applies to --format vics only")
    try:
        options = ExportOptions(zone=DeviceZone(device_timezone), include=frozenset(includes))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if output is not None and not output.parent.is_dir():
        raise UserError(f"{output.parent}: no such folder")
    store = open_case(case) if output is None else open_case_to_log(case)
    writer = formats()[fmt]
    try:
        if output is None:
            with standard_output() as out:
                writer.write(store, out, options)
            return
        with atomic_file(output) as written:
            counts = writer.write(store, written.stream, options)
        if store.read_only:
            console.warning(f"{case}: the case folder is read-only; this export is not logged in the case")
        else:
            store.log_action(EXPORT_ACTION, format=fmt, path=case_relative(case, output), sha256=written.sha256,
                             **counts, **_option_details(options))
        console.info(f"{counts['records']:,} records written to {output} (SHA-256 {written.sha256})")
    finally:
        store.close()


def _option_details(options: ExportOptions) -> dict[str, object]:
    details: dict[str, object] = {}
    if options.include:
        details["include"] = sorted(options.include)
    if options.zone.name:
        details["device_timezone"] = options.zone.name
    return details
