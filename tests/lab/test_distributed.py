"""A scan spread over two forensix workers through Redis gives the case a local scan gives:
the same export, whatever happens to a worker or to the broker half way."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from helpers import cli_process, export_records, plugin, recorded, run_cli, text_files, wait_for
from labservers import BROKER_PASSWORD, Worker

FILES = 240


def scan_args(evidence: list[Path], case: Path, *extra: object) -> list[str]:
    return ["scan", *map(str, evidence), "--case", str(case), "--no-progress", *map(str, extra)]


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return text_files(tmp_path / "evidence", FILES, lambda i: f"file {i} for mail{i % 5}@example.org\n")


def no_secret(*places: object) -> None:
    """The broker's password is in no output and nowhere in a case folder (database, log, reports)."""
    for place in places:
        if isinstance(place, Path):
            for path in [place, *place.rglob("*")] if place.is_dir() else [place]:
                if path.is_file():
                    assert BROKER_PASSWORD.encode() not in path.read_bytes(), path
        else:
            assert BROKER_PASSWORD not in str(place)


def test_a_distributed_scan_of_fixture_images_gives_the_local_export(evidence_fixtures, workers, broker, tmp_path):
    evidence = [evidence_fixtures.evidence(name)[0] for name in ("mbr_extended", "ntfs", "e01")]
    local, distributed = tmp_path / "local", tmp_path / "distributed"
    run_cli(*scan_args(evidence, local))
    result = run_cli(*scan_args(evidence, distributed, "--broker", broker.url()))
    assert export_records(distributed) == export_records(local) and len(export_records(local)) > 20
    run_cli("verify", distributed)
    run_cli("report", distributed)
    started = json.loads(sqlite3.connect(distributed / "case.sqlite").execute(
        "SELECT details FROM actions WHERE action='scan started'").fetchone()[0])
    assert started["broker"] == f"redis 127.0.0.1:{broker.port} db 0"
    no_secret(result.output, distributed)


def test_a_distributed_scan_of_the_corpus_images_gives_the_local_export(corpus, workers, broker, tmp_path):
    images = sorted((corpus / "images").iterdir())
    sets = ["--hashset", corpus / "hashsets/known_bad.vics.json", "--hashset", corpus / "hashsets/nsrl_minimal.db"]
    local, distributed = tmp_path / "local", tmp_path / "distributed"
    run_cli(*scan_args(images, local, *sets))
    result = run_cli(*scan_args(images, distributed, *sets, "--broker", broker.url()))
    records = export_records(distributed)
    assert records == export_records(local)
    assert any(m["alert"] for r in records for m in r.get("hash_matches", []))
    assert "ALERT" in result.stderr  # live alerts, as in a local scan


def test_a_distributed_scan_of_volume_layers_gives_the_local_export(modern, workers, broker, tmp_path):
    """APFS, LVM, a differencing VHD with its parent and shadow copies: every volume crosses as its chain."""
    images = [modern / "images" / name for name in ("apfs.raw", "lvm.qcow2", "image-differential.vhd",
                                                    "vsstest.qcow2")]
    local, distributed = tmp_path / "local", tmp_path / "distributed"
    run_cli(*scan_args(images, local, "--media-hash", "none"))
    run_cli(*scan_args(images, distributed, "--media-hash", "none", "--broker", broker.url()))
    records = export_records(distributed)
    assert records == export_records(local) and any(r.get("snapshot") for r in records)


def test_a_worker_killed_half_way_leaves_a_complete_case_with_no_duplicates(folder, workers, broker, tmp_path):
    plugins = plugin(tmp_path / "plugins", "slowlab", "time.sleep(0.03)")
    case, clean = tmp_path / "case", tmp_path / "clean"
    proc = cli_process(*scan_args([folder], case, "--plugins-dir", plugins, "--media-hash", "none",
                                 "--broker", broker.url()))
    a, b = workers.running["a"], workers.running["b"]
    wait_for(case, FILES // 4, proc, 90)
    for pid in a.children():  # the process carrying out a unit: Celery delivers the unit again
        subprocess.run(["kill", "-KILL", str(pid)])
    wait_for(case, FILES // 2, proc)
    b.kill()  # a whole worker, as when its machine stops: the coordinator sends its unit again
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    run_cli(*scan_args([folder], clean, "--plugins-dir", plugins, "--media-hash", "none"))
    records = export_records(case)
    assert records == export_records(clean)
    assert len(records) == FILES and len({(r["path"], r["inode"]) for r in records}) == FILES
    assert recorded(case) == FILES
    run_cli("verify", case)


def test_a_file_that_keeps_stopping_workers_costs_that_file_only(folder, workers, broker, tmp_path):
    plugins = plugin(tmp_path / "plugins", "crashlab",
                     "if entry.name == 'file007.txt':\n    os.kill(os.getpid(), signal.SIGSEGV)\n"
                     "if entry.name == 'file042.txt':\n    time.sleep(600)")
    case = tmp_path / "case"
    result = run_cli(*scan_args([folder], case, "--plugins-dir", plugins, "--media-hash", "none",
                                "--file-timeout", 2, "--broker", broker.url()))
    records = {r["name"]: r for r in export_records(case)}
    assert len(records) == FILES
    crashed, hung = records.pop("file007.txt"), records.pop("file042.txt")
    assert crashed["sha256"] is None and any("SIGSEGV" in w and "@lab" in w for w in crashed["warnings"])
    assert hung["sha256"] is None and any("no progress for 2 s" in w for w in hung["warnings"])
    assert all(r["sha256"] and not r["warnings"] for r in records.values())
    assert "SIGSEGV" in result.stderr


def test_a_worker_that_cannot_open_the_evidence_says_so_and_the_scan_resumes_once_one_can(
        folder, broker, tmp_path):
    url = broker.url(1)  # a broker of their own: only these workers get the units
    blind = Worker(url, "blind", tmp_path, "--path-map", f"{folder.parent}=/nowhere")
    try:
        case = tmp_path / "case"
        result = run_cli(*scan_args([folder], case, "--media-hash", "none", "--broker", url), expect=2)
        assert "worker blind@lab" in result.output and "unit 1 of evidence" in result.output
        assert "/nowhere/evidence" in result.output and "Traceback" not in result.output
        assert recorded(case) == 0
        assert "refused: cannot open the evidence" in blind.log.read_text()  # the worker says so too
        seeing = Worker(url, "seeing", tmp_path)
        try:
            blind.stop()
            run_cli(*scan_args([folder], case, "--media-hash", "none", "--broker", url))
        finally:
            seeing.stop()
    finally:
        blind.stop()
    records = export_records(case)
    assert len(records) == FILES and all(r["sha256"] and not r["warnings"] for r in records)


def test_the_broker_going_away_the_scan_waits_says_so_and_goes_on(folder, workers, broker, tmp_path):
    plugins = plugin(tmp_path / "plugins", "pacelab", "time.sleep(0.02)")
    case, clean = tmp_path / "case", tmp_path / "clean"
    proc = cli_process(*scan_args([folder], case, "--plugins-dir", plugins, "--media-hash", "none",
                                 "--broker", broker.url()))
    wait_for(case, FILES // 4, proc)
    broker.stop()  # no persistence: it comes back empty, queued units and all lost
    time.sleep(2)
    broker.start()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "cannot be reached" in err and "the scan waits" in err and "is back" in err
    run_cli(*scan_args([folder], clean, "--plugins-dir", plugins, "--media-hash", "none"))
    assert export_records(case) == export_records(clean)
    no_secret(out, err, case)
