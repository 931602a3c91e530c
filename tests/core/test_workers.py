"""The parallel scan's promises, on real processes: a crash or a hang costs one file,
Ctrl-C and kill -9 lose nothing, a killed scan resumes, a rescan keeps the earlier
result until it completes, one writer at a time, and a full disk is one clear line."""
from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import cli_process, export_records, plugin, recorded, run_cli, text_files, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from proctree import alive, tree  # noqa: E402

FILES = 120


@pytest.fixture()
def evidence(tmp_path: Path) -> Path:
    return text_files(tmp_path / "evidence", FILES, lambda i: f"contents of file {i}\n")


def scan_args(evidence: Path, case: Path, *extra: object) -> list[str]:
    return ["scan", str(evidence), "--case", str(case), "--no-progress", "--media-hash", "none", *map(str, extra)]


def descendants(pid: int) -> set[int]:
    """Every process started under ``pid`` (workers are grandchildren, under the fork server)."""
    return set(tree(pid)) - {pid}


def actions(case: Path) -> list[str]:
    return [a for (a,) in sqlite3.connect(case / "case.sqlite").execute("SELECT action FROM actions ORDER BY seq")]


def test_a_plugin_that_segfaults_on_one_file_costs_that_file_only(evidence, tmp_path):
    plugins = plugin(tmp_path / "plugins", "crasher",
                     "if entry.name == 'file007.txt':\n    os.kill(os.getpid(), signal.SIGSEGV)")
    case = tmp_path / "case"
    result = run_cli(*scan_args(evidence, case, "--plugins-dir", plugins, "--workers", 2))
    records = {r["name"]: r for r in export_records(case)}
    assert len(records) == FILES
    crashed = records.pop("file007.txt")
    assert crashed["sha256"] is None and any("SIGSEGV" in w for w in crashed["warnings"])
    assert all(r["sha256"] and not r["warnings"] for r in records.values())
    assert "SIGSEGV" in result.stderr


def test_a_plugin_that_hangs_past_the_file_timeout_costs_that_file_only(evidence, tmp_path):
    plugins = plugin(tmp_path / "plugins", "sleeper", "if entry.name == 'file042.txt':\n    time.sleep(600)")
    case = tmp_path / "case"
    started = time.monotonic()
    run_cli(*scan_args(evidence, case, "--plugins-dir", plugins, "--file-timeout", 2, "--workers", 2))
    assert time.monotonic() - started < 60
    records = {r["name"]: r for r in export_records(case)}
    assert len(records) == FILES
    assert any("no progress for 2 s" in w for w in records["file042.txt"]["warnings"])
    assert records["file042.txt"]["sha256"] is None and records["file041.txt"]["sha256"]


def test_ctrl_c_stops_every_worker_within_two_seconds_and_the_log_says_so(evidence, tmp_path):
    plugins = plugin(tmp_path / "plugins", "slow", "time.sleep(0.2)")
    case = tmp_path / "case"
    proc = cli_process(*scan_args(evidence, case, "--plugins-dir", plugins, "--workers", 2))
    wait_for(case, 5, proc)
    tree = descendants(proc.pid)
    assert len(tree) >= 3  # the fork server and two workers at least
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    proc.communicate(timeout=30)
    assert time.monotonic() - started < 3 and proc.returncode == 130
    time.sleep(0.5)
    assert not alive(tree), "a worker outlived the scan"
    assert actions(case)[-1] == "scan ended early"


def test_kill_9_half_way_then_the_same_command_resumes_to_an_identical_result(evidence, tmp_path):
    log = tmp_path / "reads.log"
    plugins = plugin(tmp_path / "plugins", "counter",
                     f"open({str(log)!r}, 'a').write(entry.name + '\\n')\ntime.sleep(0.03)")
    case, clean = tmp_path / "case", tmp_path / "clean"
    args = scan_args(evidence, case, "--plugins-dir", plugins, "--workers", 2)
    proc = cli_process(*args)
    wait_for(case, FILES // 3, proc)
    tree = descendants(proc.pid)
    proc.kill()
    proc.communicate()
    time.sleep(1)
    assert not alive(tree), "a worker outlived a killed scan"
    log.write_text("")
    run_cli(*args)
    second_reads = len(log.read_text().split())
    assert 0 < second_reads < FILES
    run_cli(*scan_args(evidence, clean, "--plugins-dir", plugins))
    resumed = export_records(case)
    assert resumed == export_records(clean) and len(resumed) == FILES
    assert len({(r["path"], r["inode"]) for r in resumed}) == FILES
    assert "scan resumed" in actions(case)
    run_cli("verify", case)


def test_a_completed_scan_is_skipped_and_a_killed_rescan_keeps_the_earlier_result(evidence, tmp_path):
    case = tmp_path / "case"
    run_cli(*scan_args(evidence, case))
    before = export_records(case)
    again = run_cli(*scan_args(evidence, case))
    assert "skipped" in again.stderr and export_records(case) == before
    plugins = plugin(tmp_path / "plugins", "slow", "time.sleep(0.05)")
    proc = cli_process(*scan_args(evidence, case, "--rescan", "--plugins-dir", plugins, "--workers", 2))
    deadline = time.monotonic() + 60
    while recorded(case) < FILES + 10:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.kill()
    proc.communicate()
    assert export_records(case) == before
    run_cli("verify", case)
    run_cli(*scan_args(evidence, case, "--rescan", "--plugins-dir", plugins))
    assert [(r["path"], r["sha256"]) for r in export_records(case)] == [(r["path"], r["sha256"]) for r in before]


def test_two_scans_or_a_report_during_a_scan_never_fork_the_log(evidence, tmp_path):
    plugins = plugin(tmp_path / "plugins", "slow", "time.sleep(0.05)")
    case = tmp_path / "case"
    first = cli_process(*scan_args(evidence, case, "--plugins-dir", plugins, "--workers", 2))
    wait_for(case, 3, first)
    second = run_cli(*scan_args(evidence, case), expect=2)
    assert "in use" in second.output
    report = run_cli("report", case, expect=2)  # it would describe half a scan
    assert "in use" in report.output
    first.communicate(timeout=120)
    assert first.returncode == 0
    run_cli("verify", case)
    assert len(export_records(case)) == FILES


def test_a_full_disk_is_one_clear_line_and_leaves_a_consistent_case(evidence, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    try:
        for i in range(FILES, 40 * FILES):
            (evidence / f"more{i:05d}.txt").write_text(json.dumps({"i": i}) * 20)
        case = mount / "case"
        proc = cli_process(*scan_args(evidence, case))
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 74, err
        assert "disk holding the case folder is full" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) <= 2
        verify = run_cli("verify", case, expect=None)
        assert verify.exit_code == 0, verify.output
    finally:
        subprocess.run(["umount", "-l", str(mount)])


def test_a_report_of_a_killed_scan_says_incomplete_on_its_first_page(evidence, tmp_path):
    """A scan killed half way stays 'running' in the case: the report and verify must say it did not finish."""
    from helpers import report_sections

    plugins = plugin(tmp_path / "plugins", "slow", "time.sleep(0.05)")
    case = tmp_path / "case"
    proc = cli_process(*scan_args(evidence, case, "--plugins-dir", plugins, "--workers", 2, "--exhibit", "JS/1"))
    wait_for(case, FILES // 3, proc)
    proc.kill()
    proc.communicate()
    done = recorded(case)
    assert 0 < done < FILES
    run_cli("report", case)
    cover = " ".join(re.sub(r"<[^>]+>", " ", report_sections((case / "REPORT.html").read_text())["cover"]).split())
    assert f"INCOMPLETE: the scan of JS/1 did not finish; these figures cover {done:,} of {FILES:,} files." in cover
    assert f"JS/1: INCOMPLETE : {done:,} of {FILES:,} files" in cover
    out = run_cli("verify", case).output
    assert f"INCOMPLETE: the scan of JS/1 did not finish; the case holds {done:,} of {FILES:,} files" in out
