"""One small demo build and scan per session: building takes seconds, not the
default demo's few thousand files, but every planted item is in it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from forensix.demo.build import DEFAULT_SEED, build_demo
from helpers import export_records, report_sections, run_cli

TEST_FILES = 300
"""Ordinary files in the test build: enough for several E01 segments and directories."""


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo"), seed=DEFAULT_SEED, files=TEST_FILES)


@pytest.fixture(scope="session")
def answers(demo) -> dict:
    return json.loads(demo.answers.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_case(demo) -> Path:
    """The demo evidence scanned with both demo hash sets, as ``forensix demo`` scans it."""
    case = demo.directory / "case"
    run_cli("scan", demo.segments[0], "--case", case, "--hashset", demo.vics, "--hashset", demo.nsrl,
            "--exhibit", demo.case["exhibit"], "--no-progress")
    return case


@pytest.fixture(scope="session")
def records(demo_case) -> list[dict]:
    return export_records(demo_case)


@pytest.fixture(scope="session")
def demo_report(demo_case, tmp_path_factory) -> dict[str, str]:
    """The demo case's report, as its sections' HTML by id."""
    report = tmp_path_factory.mktemp("demo-report") / "report.html"
    run_cli("report", demo_case, "-o", report)
    return report_sections(report.read_text(encoding="utf-8"))
