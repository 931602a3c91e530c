"""The scan records which library versions did the reading; the report shows them."""
from __future__ import annotations

import json
import sqlite3

import pytsk3
from helpers import run_cli

from forensix.versions import library_versions


def test_library_versions_are_logged_and_reported(tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    case = tmp_path / "case"
    run_cli("scan", folder, "--case", case, "--no-progress")
    (details,) = sqlite3.connect(case / "case.sqlite").execute(
        "SELECT details FROM actions WHERE action='scan started'").fetchone()
    libraries = json.loads(details)["libraries"]
    assert libraries["sleuthkit"].startswith(pytsk3.TSK_VERSION_STR)
    assert libraries == library_versions()
    run_cli("report", case, "-o", tmp_path / "r.html")
    assert f"sleuthkit {libraries['sleuthkit']}" in (tmp_path / "r.html").read_text()


def test_a_library_that_cannot_be_read_is_recorded_not_raised(monkeypatch):
    from forensix import versions

    def broken() -> str:
        raise ImportError("gone")

    monkeypatch.setitem(versions._PROBES, "libmagic", broken)
    assert versions.library_versions()["libmagic"] == "unavailable (ImportError)"
