"""The export command: every format streams, a file export is atomic and logged for verify."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from forensix.case.store import CaseStore
from forensix.exports import ExportOptions, formats


def _logged_exports(case: Path) -> list[dict]:
    store = CaseStore.open(case)
    try:
        return [json.loads(r["details"]) for r in store.actions() if r["action"] == "export made"]
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "case", "dfxml", "bodyfile", "vics"])
def test_every_format_logs_its_file_with_sha256_and_case_relative_path(cli, corpus_case, corpus_records, fmt):
    inside = corpus_case / f"export.{fmt}"
    cli("export", corpus_case, "--format", fmt, "-o", inside)
    entry = _logged_exports(corpus_case)[-1]
    assert entry["format"] == fmt and entry["path"] == f"export.{fmt}"
    assert entry["sha256"] == hashlib.sha256(inside.read_bytes()).hexdigest()
    expected = len(corpus_records) if fmt != "vics" else sum(
        any(m["alert"] for m in r["hash_matches"]) for r in corpus_records)
    assert entry["records"] == expected


def test_an_export_outside_the_case_is_logged_with_its_absolute_path(cli, corpus_case, tmp_path):
    out = tmp_path / "elsewhere.jsonl"
    cli("export", corpus_case, "-o", out)
    assert _logged_exports(corpus_case)[-1]["path"] == str(out.resolve())
    before = len(_logged_exports(corpus_case))
    cli("export", corpus_case)  # to standard output: nothing to vouch for later
    assert len(_logged_exports(corpus_case)) == before


def test_a_failed_export_leaves_the_earlier_one_whole(cli, corpus_case, monkeypatch):
    out = corpus_case / "kept.jsonl"
    cli("export", corpus_case, "-o", out)
    earlier, logged = out.read_bytes(), len(_logged_exports(corpus_case))

    def dies_half_way(store, stream, options):
        stream.write("half a record")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(formats()["jsonl"], "write", dies_half_way)
    with pytest.raises(OSError):
        cli("export", corpus_case, "-o", out)
    assert out.read_bytes() == earlier
    assert not [p for p in corpus_case.iterdir() if p.name.endswith(".part")]
    assert len(_logged_exports(corpus_case)) == logged


def test_user_errors(cli, corpus_case, tmp_path):
    assert "no such folder" in cli("export", corpus_case, "-o", tmp_path / "no" / "x.csv", expect=2).stderr
    assert "not a forensix case" in cli("export", tmp_path, "--format", "dfxml", expect=2).stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "case", "dfxml", "bodyfile"])
def test_records_are_written_as_they_stream(corpus_case, corpus_records, fmt, monkeypatch):
    """Each record is out before the next is read: nothing gathers the case in memory
    (bench/export_bench.py measures it on a million files)."""
    out = io.StringIO()
    sizes = []

    def records():
        for index in range(300):
            sizes.append(out.tell())
            yield {**corpus_records[index % len(corpus_records)], "path": f"/many/{index}.jpg"}

    store = CaseStore.open(corpus_case)
    monkeypatch.setattr(store, "export_records", records)
    try:
        assert formats()[fmt].write(store, out, ExportOptions())["records"] == 300
    finally:
        store.close()
    assert all(later > earlier for earlier, later in zip(sizes[1:], sizes[2:]))
