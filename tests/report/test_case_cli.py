"""``forensix case``: the details an examiner records appear on the report's
cover and in the action log."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers import run_cli


def test_case_details_and_exhibit_reach_the_cover(tmp_path: Path) -> None:
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    case = tmp_path / "case"
    run_cli("case", "init", case, "--case-number", "2024/118", "--examiner", "DS Vega", "--agency", "Cyber Unit",
            "--title", "Operation Kestrel")
    run_cli("scan", folder, "--case", case, "--no-progress")
    run_cli("case", "exhibit", case, "phone", "--exhibit", "KV/3", "--description", "Phone storage copy",
            "--seized-by", "DC Ruiz", "--seized-at", "2024-03-01T09:30+01:00", "--seized-where", "Flat 4")
    shown = run_cli("case", "show", case).output
    assert "2024/118" in shown and "KV/3" in shown and "Flat 4" in shown
    run_cli("report", case)
    html = (case / "REPORT.html").read_text()
    cover = html[html.index('id="cover"'):html.index('id="summary"')]
    for value in ("2024/118", "DS Vega", "Cyber Unit", "Operation Kestrel", "KV/3", "Phone storage copy",
                  "DC Ruiz", "2024-03-01T09:30+01:00", "Flat 4"):
        assert value in cover
    actions = [a for (a,) in sqlite3.connect(case / "case.sqlite").execute("SELECT action FROM actions ORDER BY seq")]
    assert actions[0] == "case created" and "exhibit details recorded" in actions


def test_unknown_evidence_is_a_user_error(tmp_path: Path) -> None:
    run_cli("case", "init", tmp_path / "c", "--case-number", "1", "--examiner", "e", "--agency", "a")
    out = run_cli("case", "exhibit", tmp_path / "c", "nothing", "--exhibit", "1", expect=2).output
    assert "no such evidence item" in out
