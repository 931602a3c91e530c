"""The report of the corpus scan, opened in a real browser with JavaScript on:
nothing from the evidence runs or fetches, every alert is listed, and the
printed PDF opens with the cover and the summary."""
from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli
from hostile import BEACON, EXIF_MAKE, EXIF_MODEL, EXIF_SOFTWARE, NAMES, SET_TITLE, make_hostile_folder
from report_browser import Elements, dump_dom, pdf_pages, print_pdf, unsafe_markup

from forensix.report import render

HOSTILE_CASE_NUMBER = f"2026/77 \"</style><script>{SET_TITLE}</script>"


@pytest.fixture(scope="module")
def scanned(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    folder = make_hostile_folder(tmp, corpus)
    case = tmp / "case"
    run_cli("case", "init", case, "--case-number", HOSTILE_CASE_NUMBER, "--examiner", "DS <b>Martin</b>",
            "--agency", "Unit 'A' & \"B\"", "--title", f"<i>{SET_TITLE}</i>")
    run_cli("scan", corpus / "images" / "fat32_suspect.raw", corpus / "images" / "ext4_suspect.raw", folder,
            "--case", case, "--hashset", corpus / "hashsets" / "known_bad.vics.json",
            "--hashset", corpus / "hashsets" / "nsrl_minimal.db", "--no-progress")
    return case


@pytest.fixture(scope="module")
def report(scanned: Path) -> Path:
    run_cli("report", scanned)
    return scanned / "REPORT.html"


def test_nothing_from_the_evidence_runs_or_fetches(report: Path, tmp_path: Path) -> None:
    dom, urls = dump_dom(report, tmp_path)
    assert unsafe_markup(dom) == []
    assert [u for u in urls if not u.startswith(("file:", "data:"))] == []
    text = "".join(Elements(dom).text)
    for name in NAMES:  # shown, as text, with control characters made visible
        assert name.replace("\n", "\\x0a").replace("\u202e", "\\u202e") in text
    assert EXIF_MAKE in text and EXIF_MODEL in text and EXIF_SOFTWARE in text
    assert HOSTILE_CASE_NUMBER in text


def test_the_check_fails_on_an_unescaped_report(scanned: Path, tmp_path: Path, monkeypatch) -> None:
    """Proof the browser check can fail: the same templates without autoescaping
    and without the CSP let the corpus's hostile names become live elements."""
    real = render.environment

    def unescaped(extra=None):
        env = real(extra)
        env.autoescape = False
        env.filters["printable"] = lambda v: "" if v is None else str(v)
        return env

    monkeypatch.setattr(render, "environment", unescaped)
    monkeypatch.setattr("forensix.report.environment", unescaped)
    out = tmp_path / "unsafe.html"
    run_cli("report", scanned, "-o", out)
    html = out.read_text()
    csp = html[html.index("default-src"):html.index('">', html.index("default-src"))]
    scriptless = tmp_path / "scriptless.html"  # scripts blocked, images allowed: elements and fetches show
    scriptless.write_text(html.replace(csp, "script-src 'none'; img-src *"))
    dom, urls = dump_dom(scriptless, tmp_path)
    assert BEACON in urls  # the net-log check sees a request when there is one
    problems = unsafe_markup(dom)
    assert any("event handler" in p for p in problems)
    assert any("<script> element" in p for p in problems)
    out.write_text(html.replace(csp, ""))  # no CSP at all: the payloads run
    try:
        dom, _ = dump_dom(out, tmp_path, timeout=20)
    except subprocess.TimeoutExpired:
        return  # the corpus's own onerror=alert(1) ran and its dialog blocked the browser
    assert any("a payload ran" in p for p in unsafe_markup(dom))


def test_every_alert_is_listed_with_path_and_sha256(report: Path, truth: dict) -> None:
    text = "".join(Elements(report.read_text()).text)
    bad = {v["sha256"] for v in truth["known_bad"].values()}
    listed = 0
    for image in ("fat32_suspect.raw", "ext4_suspect.raw"):
        for f in truth["images"][image]["files"]:
            if f["sha256"] in bad:
                assert f["path"] in text and f["sha256"] in text
                listed += 1
    assert listed >= 8
    assert "<img" not in report.read_text()  # no picture at all without --show-thumbnails


def test_printed_report_opens_with_cover_and_summary(report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    print_pdf(report, pdf, tmp_path)
    pages = pdf_pages(pdf)
    report_id = Elements(report.read_text()).title.rsplit(" ", 1)[-1]
    assert "Report identifier" in pages[0] and "Exhibits examined" in pages[0]
    assert "Examiner signature" in pages[0]
    assert "2026/77" in pages[0] and "fat32_suspect.raw" in pages[0]
    assert "1. SUMMARY" in pages[1] and "files matching known abuse material" in pages[1]
    assert "Known-material alerts" not in pages[0] + pages[1].replace("Known-material alerts by category", "")
    for number, page in enumerate(pages, 1):  # running header and footer on every page
        assert f"Report {report_id}" in page and "Case 2026/77" in page, number
        assert f"Page {number} of {len(pages)}" in page


def test_sidecar_and_log_hold_the_report_sha256(report: Path) -> None:
    import hashlib

    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    assert report.with_name("REPORT.html.sha256").read_text() == f"{digest}  REPORT.html\n"
    db = sqlite3.connect(report.parent / "case.sqlite")
    details = [row[0] for row in db.execute("SELECT details FROM actions WHERE action='report generated'")]
    assert any(digest in d for d in details)
