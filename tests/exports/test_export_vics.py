"""VICS 2.0: the alerts exported, read back as a hash set, raise the same alerts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import export_records


def _alerts(records: list[dict]) -> dict[tuple[str, str], set[str | None]]:
    """Alerting files, with the categories they alert under."""
    return {(r["evidence"], r["path"]): {m["category"] for m in r["hash_matches"] if m["alert"]}
            for r in records if any(m["alert"] for m in r.get("hash_matches") or [])}


@pytest.fixture(scope="module")
def vics_export(corpus_case: Path) -> Path:
    from helpers import run_cli

    out = corpus_case.parent / "alerts.vics.json"
    run_cli("export", corpus_case, "--format", "vics", "-o", out)
    return out


def test_the_export_read_back_raises_the_same_alerts(scan_suspects, vics_export, corpus_records, tmp_path):
    case = tmp_path / "again"
    scan_suspects(case, vics_export)
    original, again = _alerts(corpus_records), _alerts(export_records(case))
    assert original and again == original
    media_ids = {(r["path"], m["media_id"]) for r in corpus_records for m in r["hash_matches"] if m["alert"]}
    assert {(r["path"], m["media_id"]) for r in export_records(case) for m in r["hash_matches"]} == media_ids


def test_media_hold_the_vics_fields(vics_export, corpus_records):
    document = json.loads(vics_export.read_text(encoding="utf-8"))
    assert document["@odata.context"].endswith("$metadata#Media")
    media = document["value"]
    alerting = [r for r in corpus_records if any(m["alert"] for m in r["hash_matches"])]
    assert len(media) == len({r["sha256"] for r in alerting}), "one Media per distinct content"
    assert sum(len(m["MediaFiles"]) for m in media) == len(alerting)
    by_md5 = {m["MD5"]: m for m in media}
    for record in alerting:
        item = by_md5[record["md5"].upper()]
        assert item["SHA1"] == record["sha1"].upper() and item["MediaSize"] == record["size"]
        assert {"HashName": "SHA256", "HashValue": record["sha256"]} in item["AlternativeHashes"]
        assert item["IsPrecategorized"] is True
        assert str(item["Category"]) in {m["category"] for m in record["hash_matches"]}
        copy = next(f for f in item["MediaFiles"] if f["FilePath"] == f"{record['evidence']}:{record['path']}")
        assert copy["FileName"] == record["name"] and copy["Unallocated"] == record["deleted"]


def test_unknown_pictures_on_request(corpus_case, cli, corpus_records):
    media = json.loads(cli("export", corpus_case, "--format", "vics", "--include", "unknown-pictures").stdout)["value"]
    unknown = [m for m in media if not m["IsPrecategorized"]]
    pictures = {r["md5"].upper() for r in corpus_records
                if r["mime"].startswith("image/") and not r["hash_matches"]}
    assert pictures and {m["MD5"] for m in unknown} == pictures
    assert all("Category" not in m for m in unknown)
    known_ids = {int(m["media_id"]) for r in corpus_records for m in r["hash_matches"] if m.get("media_id")}
    assert min(m["MediaID"] for m in unknown) > max(known_ids), "new pictures never take a list's media ID"
    assert "applies to --format vics only" in cli("export", corpus_case, "--format", "csv", "--include",
                                                  "unknown-pictures", expect=2).stderr


def test_pdq_and_a_quiet_category_from_a_watch_list(tmp_path, cli):
    """PDQ goes under AlternativeHashes; a category that would be quiet when read
    back (a watch list alerts on category 0) is left out so the alert survives."""
    from forensix.case.store import CaseStore
    from forensix.case.storedrecord import stored_record
    from forensix.records import Digests, FileEntry, FileRecord

    store = CaseStore.open(tmp_path / "case", create=True)
    evidence = store.add_evidence("/img.raw", "X/1", "raw", ["/img.raw"], 4096)
    scan = store.start_scan(evidence, "{}")
    pdq = {"hash": "f" * 64, "quality": 90}
    match = {"set": "watch", "kind": "alert", "category": "0", "alert": True, "media_id": None}
    entry = FileEntry("X/1", 0, "ext4", "/p.jpg", "12", False, 5)
    store.add_rows(evidence, scan, [stored_record(FileRecord(entry, Digests("a" * 32, "b" * 40, "c" * 64, 5),
                                        {"mime": "image/jpeg", "pdq": pdq, "hash_matches": [match]}, (), ()))])
    store.complete_scan(scan)
    store.close()
    (item,) = json.loads(cli("export", tmp_path / "case", "--format", "vics").stdout)["value"]
    assert {"HashName": "PDQ", "HashValue": "f" * 64} in item["AlternativeHashes"]
    assert "Category" not in item and "category 0 in watch" in item["Comments"]
    assert isinstance(item["MediaID"], int)
