"""The words of the report, as a prosecutor and a defence expert read them:
categories named with their scheme, times labelled by what they are, one row
per thing (a picture, an address), counts that agree, a status nobody can miss."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import report_sections, run_cli
from report_browser import Elements

from forensix.report.alerts import category_text
from forensix.report.leads import camera_text
from forensix.report.times import DEVICE, UTC, TimeFormatter


def _text(html: str) -> str:
    """The text a reader sees, cell by cell, one space between pieces."""
    return " ".join(" ".join(Elements(html).text).split())


@pytest.mark.parametrize("make, model, shown", [
    ("Canon", "Canon EOS 40D", "Canon EOS 40D"),
    ("NIKON CORPORATION", "NIKON D750", "NIKON D750 (NIKON CORPORATION)"),
    ("Apple", "iPhone 12", "Apple iPhone 12"),
    ("", "X-T3", "X-T3"),
])
def test_camera_make_is_not_said_twice(make, model, shown):
    assert camera_text(make, model) == shown


def test_categories_are_read_through_their_scheme():
    assert category_text({"category": "1", "scheme": "vic-us"}) == "1 — child abuse material (vic-us)"
    assert category_text({"category": "B", "scheme": "caid-uk"}) == "B — category B (caid-uk)"
    assert category_text({"category": "7", "scheme": "vic-ca"}) == "7 (no label in vic-ca)"
    assert category_text({"category": None}) == "no category (the list gives none)"
    assert category_text({"category": "1"}) == "1 (categorisation scheme not recorded)"


def test_times_say_what_they_are():
    plain, malta = TimeFormatter(), TimeFormatter("Europe/Malta")
    assert (plain.basis("ext4"), plain.basis("fat32"), plain.basis("ntfs")) == (UTC, DEVICE, UTC)
    assert plain.show("2025-08-15T00:00:00Z", "fat32", "atime") == "2025-08-15"  # FAT: a date, no time
    assert plain.show("2025-08-15T09:32:00Z", "fat32") == "2025-08-15 09:32:00"
    assert malta.show("2025-08-15T09:32:00Z", "fat32") == "2025-08-15 07:32:00"  # CEST is UTC+2
    assert malta.show("2025-08-15T09:32:00Z", "ext4") == "2025-08-15 09:32:00"  # already UTC
    assert "Europe/Malta" in malta.basis("fat32") and malta.basis("ext4") == UTC
    assert "archive" in plain.basis("zip", "2025-08-15T09:32:00")  # DOS time in a zip: no zone


@pytest.fixture(scope="module")
def corpus_report(corpus: Path, tmp_path_factory) -> str:
    """The FAT32 suspect volume scanned with the md5sum list (no categories) and the VICS set,
    and a folder holding one photo twice."""
    tmp = tmp_path_factory.mktemp("court")
    folder = tmp / "phone"
    for sub in ("DCIM", "backup"):
        (folder / sub).mkdir(parents=True)
        shutil.copy(corpus / "exif" / "IMG_0002.JPG", folder / sub / "IMG_0002.JPG")  # Canon, Canon EOS 40D
    case = tmp / "case"
    run_cli("scan", corpus / "images" / "fat32_suspect.raw", folder, "--case", case, "--no-progress",
            "--hashset", corpus / "hashsets" / "known_bad.md5.txt",
            "--hashset", corpus / "hashsets" / "known_bad.vics.json")
    run_cli("report", case)
    return (case / "REPORT.html").read_text(encoding="utf-8")


def test_an_alert_from_a_list_without_categories_reads_sensibly(corpus_report: str) -> None:
    index = _text(report_sections(corpus_report)["alert-index"])
    assert "known_bad.md5.txt known_bad.vics.json no category (the list gives none) 1 — child abuse material (vic-us)" \
        in index  # one file, two sets: each set beside its own category
    assert "— category" not in _text(corpus_report) and "None" not in index


def test_fat_times_are_labelled_as_device_time_and_access_dates_are_dates(corpus_report: str) -> None:
    text = _text(report_sections(corpus_report)["alert-details"])
    assert DEVICE in text
    assert "T00:00:00" not in corpus_report
    appendix = _text(report_sections(corpus_report)["appendix"])
    assert f"Modified ({DEVICE})" in appendix and f"Modified ({UTC})" in appendix


def test_a_picture_stored_twice_is_one_photo_with_two_locations(corpus_report: str) -> None:
    photos = report_sections(corpus_report)["photos"]
    rows = [_text(row) for row in photos.split("<tr>") if "IMG_0002.JPG" in row]
    assert len(rows) == 1
    assert "phone: /DCIM/IMG_0002.JPG phone: /backup/IMG_0002.JPG" in rows[0]
    assert "fat32_suspect.raw: /DCIM/100CAMERA/IMG_0002.JPG" in rows[0]  # the same picture on the other exhibit
    assert "Canon Canon" not in photos and "Canon EOS 40D" in rows[0]


def test_an_identifiers_file_count_agrees_with_its_locations(corpus_report: str) -> None:
    network = report_sections(corpus_report)["network"]
    rows = network.split("<tr>")[2:]
    assert rows
    for row in rows:
        cells = row.split("<td")
        files = int(_text("<td" + cells[4]).replace(",", ""))
        assert files == _text("<td" + cells[5]).count(": /"), row


def test_sizes_and_offsets_have_thousands_separators(corpus_report: str) -> None:
    text = _text(corpus_report)
    assert "3,145,745" in text  # the corpus's 3 MiB binary, in the appendix
    assert "50,331,648 bytes" in text  # the image's size, in the action log's words
    assert "3145745" not in text and "1048576" not in text


def test_the_action_log_is_a_plain_table_with_the_json_in_an_appendix(corpus_report: str) -> None:
    sections = report_sections(corpus_report)
    log = _text(sections["integrity"])
    assert "hash set loaded known_bad.vics.json (known-bad, vics)" in log
    assert '"source_sha256"' not in sections["integrity"]
    assert "&#34;source_sha256&#34;" in sections["appendix-log"] or '"source_sha256"' in sections["appendix-log"]


def test_every_details_block_prints_open(corpus_report: str) -> None:
    assert "<details>" not in corpus_report and "<details open>" in corpus_report
    assert "details::details-content" in corpus_report  # print opens any a reader closed


def test_an_unfinished_scan_is_shown_on_the_cover_and_the_summary(tmp_path: Path, monkeypatch) -> None:
    """The engine will record per exhibit whether its scan completed (``scan_status``);
    the report shows what it is given on its first page and atop the summary."""
    from forensix.report.context import ContextBuilder

    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    case = tmp_path / "case"
    run_cli("scan", folder, "--case", case, "--no-progress", "--exhibit", "JS/1")
    run_cli("report", case, "-o", tmp_path / "complete.html")
    cover = _text(report_sections((tmp_path / "complete.html").read_text())["cover"])
    assert "JS/1: scan complete" in cover and "INCOMPLETE" not in cover

    def unfinished(self):
        return {"exhibits": [{"exhibit": "JS/1", "state": "incomplete", "files_done": 1467, "files_total": 15022}],
                "scanned": True, "complete": False}

    monkeypatch.setattr(ContextBuilder, "scan_status", unfinished)
    run_cli("report", case, "-o", tmp_path / "incomplete.html")
    sections = report_sections((tmp_path / "incomplete.html").read_text())
    banner = "INCOMPLETE: the scan of JS/1 did not finish; these figures cover 1,467 of 15,022 files."
    assert banner in _text(sections["cover"]) and banner in _text(sections["summary"])


def test_a_case_with_nothing_scanned_is_refused_unless_asked_and_then_says_so(tmp_path: Path) -> None:
    case = tmp_path / "case"
    run_cli("case", "init", case, "--case-number", "1", "--examiner", "e", "--agency", "a")
    assert "nothing has been scanned" in run_cli("report", case, expect=2).output
    assert not (case / "REPORT.html").exists()
    run_cli("report", case, "--allow-empty")
    cover = _text(report_sections((case / "REPORT.html").read_text())["cover"])
    assert "NOTHING SCANNED" in cover and "nothing scanned" in cover
