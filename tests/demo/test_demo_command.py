"""``forensix demo`` end to end: build, case, scan, report; then exercise 5 on its output."""
from __future__ import annotations

import json

import pytest

from helpers import report_sections, run_cli
from test_answer_keys import key

FILES = 30


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cmd") / "forensix-demo"
    result = run_cli("demo", directory, "--files", FILES, "--no-progress")
    assert f"report: {(directory / 'report.html').resolve()}" in result.output
    return directory


def test_report_shows_every_planted_item_in_its_section(demo_dir):
    answers = json.loads((demo_dir / "answers.json").read_text())
    sections = report_sections((demo_dir / "report.html").read_text(encoding="utf-8"))
    alerts, disguised, photos, identifiers = (sections[n] for n in ("alert-index", "disguised", "photos", "network"))
    for item in answers["items"]:
        if item["role"] == "known-material":
            where = item["path"] or f"{item['container']}/{item['member']}"
            assert (where in alerts) is item["alert"], item["id"]
            assert (where in disguised) is bool(item.get("extension_mismatch")), item["id"]
        elif item["role"] == "photo":
            assert item["path"] in photos
            if "gps_latitude" in item["exif"]:
                assert f"{item['exif']['gps_latitude']:.6f},{item['exif']['gps_longitude']:.6f}" in photos
        elif item["role"] == "chat":
            for identifier in item["identifiers"]:
                assert identifier["value"] in identifiers, (item["id"], identifier)


def test_exercise_5_verify_detects_a_tampered_report(demo_dir, tmp_path):
    expected = key("05")
    case = demo_dir / "case"
    assert run_cli("verify", case, "--report", demo_dir / "report.html",
                   expect=None).exit_code == expected["intact_exit_status"]
    tampered = tmp_path / "tampered.html"
    html = (demo_dir / "report.html").read_text(encoding="utf-8")
    tampered.write_text(html.replace("beach_0412", "beach_0413", 1), encoding="utf-8")
    result = run_cli("verify", case, "--report", tampered, expect=None)
    assert result.exit_code == expected["tampered_exit_status"], result.output


def test_exercise_5_verify_names_an_alert_deleted_from_a_copy_of_the_case(demo_dir, tmp_path):
    import shutil
    import sqlite3

    expected = key("05")
    copy = tmp_path / "case-copy"
    shutil.copytree(demo_dir / "case", copy)
    db = sqlite3.connect(copy / "case.sqlite")  # the exercise's command
    db.execute("DELETE FROM finding_rows WHERE rowid = (SELECT MIN(rowid) FROM finding_rows WHERE kind = 'hash_alert')")
    db.commit()
    db.close()
    result = run_cli("verify", copy, expect=None)
    assert result.exit_code == expected["altered_record_exit_status"]
    assert expected["altered_record_names"] in result.output and "file /" in result.output
    run_cli("report", copy)
    cover = report_sections((copy / "REPORT.html").read_text(encoding="utf-8"))["cover"]
    assert expected["altered_report_cover"] in cover


def test_running_the_quick_start_again_replaces_the_earlier_demo(tmp_path):
    folder = tmp_path / "demo"
    run_cli("demo", folder, "--files", "5", "--build-only")
    first = (folder / "answers.json").read_bytes()
    (folder / "case").mkdir()  # as a triaged demo has
    result = run_cli("demo", folder, "--files", "5", "--build-only")
    assert "replacing the earlier demo" in result.output
    assert (folder / "answers.json").read_bytes() == first and not (folder / "case").exists()


def test_foreign_folder_is_refused(tmp_path):
    (tmp_path / "thesis.docx").write_bytes(b"mine")
    result = run_cli("demo", tmp_path, "--build-only", expect=2)
    assert "not from a demo" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_more_files_than_the_demo_disk_holds_is_a_usage_error(tmp_path):
    result = run_cli("demo", tmp_path / "d", "--files", "15001", "--build-only", expect=2)
    assert "15001" in result.output and not (tmp_path / "d").exists()
