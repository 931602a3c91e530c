"""The demo's report on paper: the printed PDF holds every alert and every
appendix row the screen shows (no folder prints closed)."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from helpers import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_browser import pdf_text, print_pdf  # noqa: E402


@pytest.fixture(scope="module", params=["as written", "folders closed on screen"])
def printed(request, demo_case: Path, tmp_path_factory) -> tuple[list[str], str]:
    """The report printed as written, and as printed after a reader closed every
    folder of the appendix on screen (the print stylesheet must open them)."""
    tmp = tmp_path_factory.mktemp("printed")
    report = tmp / "report.html"
    run_cli("report", demo_case, "-o", report)
    if request.param == "folders closed on screen":
        html = report.read_text(encoding="utf-8")
        assert "<details open>" in html
        report.write_text(html.replace("<details open>", "<details>"), encoding="utf-8")
    print_pdf(report, tmp / "report.pdf", tmp)
    return pdf_text(tmp / "report.pdf")


def _rows(case: Path, where: str) -> list[tuple[str, str]]:
    db = sqlite3.connect(case / "case.sqlite")
    return db.execute(f"SELECT path, sha256 FROM files WHERE {where}").fetchall()


def test_every_appendix_row_is_on_paper(demo_case: Path, printed) -> None:
    _, flat = printed
    rows = _rows(demo_case, "alert=0 AND known_good=0")
    assert len(rows) > 300
    missing = [path for path, sha256 in rows
               if path.rsplit("/", 1)[-1].replace(" ", "") not in flat or (sha256 or "notread") not in flat]
    assert missing == []


def test_every_alert_is_on_paper_in_the_index_and_the_details(demo_case: Path, printed) -> None:
    pages, flat = printed
    rows = _rows(demo_case, "alert=1")
    assert len(rows) == 5
    for path, sha256 in rows:
        assert path.replace(" ", "") in flat and sha256 in flat, path
    assert "KNOWN-MATERIAL ALERT INDEX" in "".join(pages) and "KNOWN-MATERIAL ALERT DETAILS" in "".join(pages)


def test_device_local_times_are_labelled_and_converted_when_the_zone_is_given(demo_case: Path, tmp_path: Path):
    """The demo's FAT partition was written with its clock at 09:32 on 2025-08-15; the
    examiner who knows the device was set to Malta time gets UTC (two hours earlier in August)."""
    from helpers import report_sections

    run_cli("report", demo_case, "-o", tmp_path / "as-written.html")
    details = report_sections((tmp_path / "as-written.html").read_text())["alert-details"]
    row = next(r for r in details.split("<tr>") if "inode 198" in r)  # the deleted FAT stand-in
    assert "device local time (FAT, no zone)" in row and "2025-08-15 09:32:00" in row
    run_cli("report", demo_case, "-o", tmp_path / "malta.html", "--device-timezone", "Europe/Malta")
    details = report_sections((tmp_path / "malta.html").read_text())["alert-details"]
    row = next(r for r in details.split("<tr>") if "inode 198" in r)
    assert "converted from device local time, zone Europe/Malta" in row and "2025-08-15 07:32:00" in row
    assert "--device-timezone Mars/Olympus: not a time zone" in run_cli(
        "report", demo_case, "-o", tmp_path / "x.html", "--device-timezone", "Mars/Olympus", expect=2).output


def test_no_word_breaks_in_the_middle_on_paper(printed) -> None:
    """Headings and badges stay whole words ("ALER T", "Delete d" were the old report's)."""
    pages, _ = printed
    text = "\n".join(pages)
    for heading in ("Exhibit", "Deleted", "Content", "Category", "Hash set"):
        assert f" {heading} " in text.replace("\n", " "), heading
    assert "KNOWN MATERIAL" in text  # the disguised stand-in's badge, on one line
