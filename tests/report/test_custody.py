"""``forensix verify``: an untouched case passes; one changed byte in the log
or in the report fails, naming what changed."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import run_cli


@pytest.fixture()
def case(tmp_path: Path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "notes.txt").write_text("meet at 198.51.100.7\n")
    case = tmp_path / "case"
    run_cli("case", "init", case, "--case-number", "C-1", "--examiner", "E", "--agency", "A")
    run_cli("scan", folder, "--case", case, "--no-progress")
    run_cli("report", case)
    return case


def _db(case: Path) -> sqlite3.Connection:
    return sqlite3.connect(case / "case.sqlite", isolation_level=None)


def test_untouched_case_verifies(case: Path) -> None:
    out = run_cli("verify", case).output
    assert "action log intact" in out and "intact, report" in out


def test_one_changed_byte_in_a_log_entry_is_named(case: Path) -> None:
    db = _db(case)
    seq, details = db.execute("SELECT seq, details FROM actions WHERE action='scan started'").fetchone()
    db.execute("UPDATE actions SET details=? WHERE seq=?", (details.replace("usb", "usc", 1), seq))
    out = run_cli("verify", case, expect=1).output
    assert f"log entry {seq} (" in out and "'scan started'" in out and "altered" in out


def test_a_deleted_log_entry_is_found(case: Path) -> None:
    _db(case).execute("DELETE FROM actions WHERE seq=2")
    out = run_cli("verify", case, expect=1).output
    assert "entry 2 deleted" in out and "log entry 3 (" in out


def test_one_changed_byte_in_the_report_is_named(case: Path) -> None:
    report = case / "REPORT.html"
    data = bytearray(report.read_bytes())
    data[-20] ^= 0x01
    report.write_bytes(bytes(data))
    out = run_cli("verify", case, expect=1).output
    assert str(report) in out and "altered" in out
    assert run_cli("verify", case, "--report", report, expect=1).exit_code == 1


def test_a_report_outlives_a_cut_log(case: Path) -> None:
    """Deleting the last entries (the report's own among them) leaves no gap in
    the log, but the report still carries the last entry it saw."""
    db = _db(case)
    last = db.execute("SELECT MAX(seq) FROM actions").fetchone()[0]
    db.execute("DELETE FROM actions WHERE seq >= ?", (last - 1,))
    assert run_cli("verify", case).exit_code == 0  # the log alone cannot tell
    out = run_cli("verify", case, "--report", case / "REPORT.html", expect=1).output
    assert f"log entry {last - 1}" in out and "cut" in out


def test_a_log_cut_after_the_noted_head_is_found(tmp_path: Path) -> None:
    """The scan summary prints the log head; verify --log-head finds entries cut from the end."""
    import re

    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "a.txt").write_text("x\n")
    case = tmp_path / "case"
    out = run_cli("scan", folder, "--case", case, "--no-progress").stderr
    head = re.search(r"action log head \(note it\): ([0-9a-f]{64})", out).group(1)
    assert "action log intact" in run_cli("verify", case, "--log-head", head).output
    db = _db(case)
    db.execute("DELETE FROM actions WHERE seq=(SELECT MAX(seq) FROM actions)")  # the tail leaves no gap
    assert run_cli("verify", case).exit_code == 0  # the chain alone cannot see it
    result = run_cli("verify", case, "--log-head", head, expect=1)
    assert f"no entry has the hash {head}" in result.output
