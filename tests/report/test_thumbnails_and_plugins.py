"""Thumbnails only of ordinary pictures, never of known material; plugin
sections and filters are data that gets escaped, and a failing plugin costs a
line in the execution log, not the report."""
from __future__ import annotations

import re
import types
from pathlib import Path

from helpers import report_sections, run_cli
from markupsafe import Markup

from forensix.case.store import CaseStore
from forensix.hookspecs import hookimpl
from forensix.pluginhost import PluginHost
from forensix.report import generate_report
from forensix.report.thumbnails import Thumbnailer


def test_thumbnails_show_ordinary_photos_and_never_alerts(corpus: Path, tmp_path: Path) -> None:
    case = tmp_path / "case"
    run_cli("scan", corpus / "images" / "fat32_suspect.raw", "--case", case, "--no-progress",
            "--hashset", corpus / "hashsets" / "known_bad.vics.json")
    run_cli("report", case, "--show-thumbnails")
    html = (case / "REPORT.html").read_text()
    assert "img-src data:;" in html
    rows = re.findall(r"<tr>(?:(?!</tr>).)*<img class=\"thumb\"(?:(?!</tr>).)*</tr>", html, re.S)
    assert len(rows) >= 3  # the camera photos, and the JPEG disguised as .txt
    assert all("KNOWN MATERIAL" not in row for row in rows)
    sections = report_sections(html)
    assert "<img" not in sections["alert-index"] + sections["alert-details"]
    assert sections["alert-index"].count("<tr>") >= 5  # the check looks where the alerts are


def test_thumbnailer_refuses_alert_content(corpus: Path) -> None:
    thumbs = Thumbnailer({"X": str(corpus / "exif")}, alert_hashes={"a" * 64})
    item = {"exhibit": "X", "path": "/IMG_0000.JPG", "alert": False, "container": None, "sha256": "a" * 64,
            "size": 10, "volume_offset": 0, "inode": "1", "record": {"mime": "image/jpeg"}}
    assert thumbs.data_uri(item) is None  # its hash is an alert elsewhere in the case
    assert thumbs.data_uri({**item, "sha256": "b" * 64, "record": {
        "mime": "image/jpeg", "hash_matches": [{"kind": "known-bad", "alert": False}]}}) is None


def _plugin() -> types.ModuleType:
    module = types.ModuleType("hostile_report_plugin")
    module.NAME = "hostile"

    @hookimpl
    def forensix_report_sections(store):
        return [{"id": "x", "title": "<script>alert(1)</script> Title", "columns": ["Name", "When"],
                 "rows": [[Markup("<img src=x onerror=alert(1)>"), "2024"]], "column_filters": {"When": "shout"}},
                {"title": "raw", "html": "<script>alert(2)</script>"}]

    @hookimpl
    def forensix_template_filters():
        return {"shout": lambda v: Markup(f"<b>{v}</b>!"), "e": lambda v: v}

    module.forensix_report_sections = forensix_report_sections
    module.forensix_template_filters = forensix_template_filters
    return module


def test_plugin_sections_are_escaped_data(tmp_path: Path) -> None:
    store = CaseStore.open(tmp_path / "case", create=True)
    host = PluginHost()
    host.register(_plugin(), "test")
    result = generate_report(store, tmp_path / "r.html", host=host)
    store.close()
    html = result.path.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Title" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;2024&lt;/b&gt;!" in html  # a filter's Markup is escaped like any text
    assert "alert(2)" not in html
    assert "HTML is not accepted" in html and "filter &#39;e&#39; refused" in html
