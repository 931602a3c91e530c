"""``forensix demo``: build synthetic training evidence and triage it end to end."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from forensix.cli.console import UserError, console
from forensix.demo.build import DEFAULT_FILES, DEFAULT_SEED, build_demo
from forensix.demo.disk import DiskBuildError, tools_missing
from forensix.demo.triage import command_line, report_path, run_step, triage_steps

MAX_FILES = 15_000
"""What the demo disk's fixed FAT32 partition holds besides the planted items; the
partition layout is fixed so the answer sheet's offsets never change."""

_OURS = {"answers.json", "evidence", "hashsets", "case", "report.html", "report.html.sha256"}
"""What a demo folder holds: a folder with anything else is not overwritten."""


@click.command("demo")
@click.argument("directory", required=False, default="forensix-demo",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=DEFAULT_SEED, show_default=True,
              help="Scenario seed: the same seed gives the same evidence, byte for byte.")
@click.option("--files", default=DEFAULT_FILES, show_default=True, type=click.IntRange(0, MAX_FILES),
              help="Ordinary files to generate around the planted items.")
@click.option("--build-only", is_flag=True, help="Build the evidence, hash sets and answer sheet; do not scan.")
@click.option("--no-progress", is_flag=True, help="No progress bars (for logs and scripts).")
def command(directory: Path, seed: int, files: int, build_only: bool, no_progress: bool) -> None:
    """Build synthetic evidence in DIRECTORY (default ./forensix-demo) and triage it.

    \b
    The evidence is a two-partition disk (FAT32 + ext4) as a multi-segment
    E01, with generated stand-in pictures matched by a demo VICS set, a demo
    NSRL set, camera photos with GPS, chat logs with addresses, deleted
    files and a few thousand ordinary files. No real material, no download.
    The trainer's answer sheet is DIRECTORY/answers.json; the exercises are
    in docs/training/.
    """
    if directory.exists() and any(p.name not in _OURS for p in directory.iterdir()):
        raise UserError(f"{directory} holds files that are not from a demo; choose an empty or new folder")
    missing = tools_missing()
    if missing:
        raise UserError(f"the demo needs {', '.join(missing)} (package e2fsprogs; scripts/setup.sh installs it)")
    if (directory / "answers.json").is_file():
        # only demo output is here (checked above), so running the quick start again starts afresh
        console.info(f"replacing the earlier demo in {directory}")
        shutil.rmtree(directory)
    started = time.monotonic()
    console.info(f"building demo evidence in {directory} (seed {seed}, {files} ordinary files)")
    try:
        build = build_demo(directory, seed=seed, files=files)
    except DiskBuildError as exc:
        raise UserError(str(exc)) from None
    console.info(f"evidence: {', '.join(p.name for p in build.segments)} in {build.segments[0].parent}")
    console.info(f"hash sets: {build.vics}, {build.nsrl}; answer sheet: {build.answers}")
    steps = triage_steps(build, progress=not no_progress)
    if build_only:
        console.info("to triage it:\n" + "\n".join(f"  {command_line(s)}" for s in steps))
        return
    group = click.get_current_context().find_root().command
    assert isinstance(group, click.Group)
    for step in steps:
        console.info(f"$ {command_line(step)}")
        run_step(group, step)
    report = report_path(build)
    console.info(f"demo done in {time.monotonic() - started:.0f} s")
    if report.is_file():
        console.info(f"report: {report.resolve()}")
    console.info("exercises: docs/training/README.md (answer sheet for the trainer: answers.json)")

