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


def test_a_log_entry_holding_bytes_that_are_not_utf8_is_named_not_a_crash(case: Path) -> None:
    db = _db(case)
    seq, details = db.execute("SELECT seq, details FROM actions WHERE action='scan started'").fetchone()
    damaged = details.encode().replace(b"usb", b"us\xff", 1)
    db.execute("UPDATE actions SET details=CAST(? AS TEXT) WHERE seq=?", (damaged, seq))
    result = run_cli("verify", case, expect=1)
    assert f"log entry {seq} (" in result.output and "not UTF-8" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    run_cli("report", case, "-o", case.parent / "after.html")  # the report shows the damage too
    assert "not UTF-8" in (case.parent / "after.html").read_text()


def test_a_copied_case_verifies_its_own_report_not_the_originals(case: Path, tmp_path: Path) -> None:
    import shutil

    copy, tampered = tmp_path / "copy-for-defence", tmp_path / "tampered-copy"
    shutil.copytree(case, copy)
    shutil.copytree(case, tampered)
    case.rename(tmp_path / "original-moved-away")
    data = bytearray((tampered / "REPORT.html").read_bytes())
    data[-20] ^= 0x01
    (tampered / "REPORT.html").write_bytes(bytes(data))
    out = run_cli("verify", tampered, expect=1).output
    assert str(tampered / "REPORT.html") in out and "altered" in out
    out = run_cli("verify", copy).output
    assert f"{copy / 'REPORT.html'}: intact" in out and "not there any more" not in out


def test_a_log_from_before_relative_paths_still_finds_the_copys_report(case: Path, tmp_path: Path) -> None:
    """Logs written by earlier versions hold absolute paths into the original folder."""
    import shutil

    from forensix.case.custody import REPORT_ACTION, file_sha256
    from forensix.case.store import CaseStore

    store = CaseStore.open(case)
    report = case / "REPORT.html"
    store.log_action(REPORT_ACTION, path=str(report.resolve()), sha256=file_sha256(report), report_id="old")
    store.close()
    copy = tmp_path / "copy"
    shutil.copytree(case, copy)
    shutil.rmtree(case)
    assert f"{copy / 'REPORT.html'}: intact" in run_cli("verify", copy).output
    (copy / "REPORT.html").write_bytes(b"changed")
    assert "altered" in run_cli("verify", copy, expect=1).output


def test_a_report_interrupted_half_way_leaves_the_earlier_one_intact(case: Path, monkeypatch) -> None:
    from forensix.report import context

    report = case / "REPORT.html"
    before = report.read_bytes()
    real = context.ContextBuilder.appendix

    def stopped_half_way(self):
        for block in real(self):
            yield block
            raise KeyboardInterrupt  # Ctrl-C, with part of the report written

    monkeypatch.setattr(context.ContextBuilder, "appendix", stopped_half_way)
    assert run_cli("report", case, expect=None).exit_code != 0
    assert report.read_bytes() == before
    assert sorted(p.name for p in case.iterdir() if p.name.startswith("REPORT")) == ["REPORT.html",
                                                                                       "REPORT.html.sha256"]
    assert "intact, report" in run_cli("verify", case).output


def test_a_changed_export_the_log_vouches_for_fails_verify(case: Path) -> None:
    """An export logged (as `forensix export -o` logs it) with its SHA-256 and a path in the case."""
    from forensix.case.custody import EXPORT_ACTION, case_relative, file_sha256
    from forensix.case.store import CaseStore

    export = case / "exports" / "files.jsonl"
    export.parent.mkdir()
    export.write_text('{"path": "/notes.txt"}\n')
    store = CaseStore.open(case)
    store.log_action(EXPORT_ACTION, format="jsonl", records=1, sha256=file_sha256(export),
                     path=case_relative(case, export))
    store.close()
    assert f"{export}: intact, jsonl export" in run_cli("verify", case).output
    export.write_text('{"path": "/other.txt"}\n')
    out = run_cli("verify", case, expect=1).output
    assert str(export) in out and "altered" in out and "jsonl export" in out


def test_read_only_commands_work_on_a_read_only_case(case: Path, tmp_path: Path) -> None:
    from helpers import read_only

    with read_only(case):
        assert "action log intact" in run_cli("verify", case).output
        assert "C-1" in run_cli("case", "show", case).output
        assert "/notes.txt" in run_cli("export", case).stdout
        elsewhere = tmp_path / "elsewhere.html"
        result = run_cli("report", case, "-o", elsewhere)
        assert "read-only" in result.output and "not recorded" in result.output
        assert "not recorded in the case's action log" in elsewhere.read_text()
        assert "read-only" in run_cli("report", case, expect=2).output  # cannot write inside it
    assert not [p for p in case.iterdir() if p.name.endswith(("-wal", "-shm"))]


def test_verify_evidence_accepts_where_the_evidence_is_now(case: Path, tmp_path: Path) -> None:
    (tmp_path / "usb").rename(tmp_path / "usb-moved")
    assert "unreadable" in run_cli("verify-evidence", case, expect=1).output
    out = run_cli("verify-evidence", case, "--evidence", tmp_path / "usb-moved").output
    assert "match" in out and f"read at {tmp_path / 'usb-moved'}" in out
    assert "no such file" in run_cli("verify-evidence", case, "--evidence", tmp_path / "nothing-here",
                                     expect=2).output
