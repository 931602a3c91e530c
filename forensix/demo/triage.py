"""Run the full triage on the demo evidence, exactly as a user would type it.

Each step is the real command (``case init``, ``scan``, ``case exhibit``,
``report``) run in-process, so the demo exercises the same code paths as a
case and the commands can be printed for the trainee to repeat by hand.
"""
from __future__ import annotations

import shlex
from pathlib import Path

import click

from forensix.demo.build import DemoBuild

CASE_DIR = "case"
REPORT_NAME = "report.html"


def triage_steps(build: DemoBuild, progress: bool = True) -> list[list[str]]:
    """The forensix command lines of the triage (without the program name)."""
    case, case_dir = build.case, str(build.directory / CASE_DIR)
    scan = ["scan", str(build.segments[0]), "--case", case_dir, "--hashset", str(build.vics),
            "--hashset", str(build.nsrl), "--exhibit", case["exhibit"]]
    return [
        ["case", "init", case_dir, "--case-number", case["case_number"], "--examiner", case["examiner"],
         "--agency", case["agency"], "--title", "forensix demo: synthetic training evidence"],
        scan if progress else [*scan, "--no-progress"],
        ["case", "exhibit", case_dir, case["exhibit"], "--description", case["description"],
         "--seized-by", case["examiner"], "--seized-where", "training room (fictional seizure)"],
        ["report", case_dir, "-o", str(build.directory / REPORT_NAME)],
    ]


def command_line(step: list[str]) -> str:
    return "forensix " + shlex.join(step)


def run_step(group: click.Group, step: list[str]) -> None:
    """Run one command line in this process; a failure raises (ClickException or SystemExit)."""
    group.main(step, prog_name="forensix", standalone_mode=False)


def report_path(build: DemoBuild) -> Path:
    return build.directory / REPORT_NAME
