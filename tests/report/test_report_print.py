"""The paper copy: what a court prints holds every alert and stays a size a
court can carry, even for thousands of alerts."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers import fixture_script, run_cli
from report_browser import pdf_text, print_pdf

ALERTS = 3000
MAX_PAGES = 150


def _many_alerts():
    return fixture_script("many_alerts").build_many_alerts


def test_three_thousand_alerts_print_in_at_most_150_pages_with_every_alert(tmp_path: Path) -> None:
    folder, vics = _many_alerts()(tmp_path, ALERTS)
    case = tmp_path / "case"
    run_cli("scan", folder, "--case", case, "--hashset", vics, "--no-progress", "--media-hash", "none")
    run_cli("report", case)
    rows = sqlite3.connect(case / "case.sqlite").execute("SELECT path, sha256 FROM files WHERE alert=1").fetchall()
    assert len(rows) == ALERTS
    pdf = tmp_path / "report.pdf"
    print_pdf(case / "REPORT.html", pdf, tmp_path)
    pages, flat = pdf_text(pdf)
    assert len(pages) <= MAX_PAGES, f"{len(pages)} pages"
    missing = [path for path, sha256 in rows if path.replace(" ", "") not in flat or sha256 not in flat]
    assert missing == []
