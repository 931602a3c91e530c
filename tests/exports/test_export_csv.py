"""The CSV export: a spreadsheet that opens right in Excel and never runs a hostile name."""
from __future__ import annotations

import csv
import io

import pytest

from forensix.exports.csvfile import BOM, cell


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith(BOM), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[len(BOM):])))


@pytest.mark.parametrize("text", [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\t", "\r@x", " =1", "   +cmd", " \t=1", "\t \r-1",
    "\u00a0=1",  # a no-break space is whitespace to a spreadsheet too
])
def test_formula_triggers_are_defused_behind_any_whitespace(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", " leading space", "a=b", "x-1", "", "\nnote"])
def test_ordinary_text_is_left_alone(text):
    assert cell(text) == text


def test_cells_are_typed_as_the_json_export_types_them():
    assert cell(True) == "true" and cell(False) == "false"
    assert cell(None) == "" and cell([]) == "" and cell(0) == "0"
    assert cell([{"a": True}]) == '[{"a": true}]'
    assert cell(["=x"]) == '["=x"]'  # JSON starts with a bracket, never a trigger


def test_hostile_names_from_evidence_are_defused(cli, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    hostile = ["=HYPERLINK(1).txt", " =cmd.txt", "\t+1.txt", "@SUM.txt", "-2.txt"]
    for name in hostile + ["plain.txt"]:
        (folder / name).write_text("x")
    case = tmp_path / "case"
    cli("scan", folder, "--case", case, "--no-progress")
    rows = _rows(cli("export", case, "--format", "csv").stdout)
    assert len(rows) == 6
    assert {r["name"] for r in rows} == {"'" + n for n in hostile} | {"plain.txt"}
    assert all(r["path"].startswith("/") for r in rows)


def test_corpus_csv_has_alert_and_category_columns(cli, corpus_case, corpus_records):
    rows = _rows(cli("export", corpus_case, "--format", "csv").stdout)
    assert len(rows) == len(corpus_records)
    by_key = {(r["evidence"], r["path"]): r for r in rows}
    for record in corpus_records:
        row = by_key[(record["evidence"], record["path"])]
        matches = record.get("hash_matches") or []
        assert row["alert"] == ("true" if any(m["alert"] for m in matches) else "false")
        categories = {str(m["category"]) for m in matches if m.get("category") is not None}
        assert set(filter(None, row["category"].split("; "))) == categories
        assert row["deleted"] == ("true" if record["deleted"] else "false")
        assert row["sha256"] == (record["sha256"] or "")
    alerts = [r for r in rows if r["alert"] == "true"]
    assert alerts and all(r["category"] for r in alerts)
    quiet = [r for r in rows if r["category"] == "0"]
    assert quiet and all(r["alert"] == "false" for r in quiet), "category 0 matches without alerting"
    assert "True" not in {v for r in rows for v in r.values()}
