"""The demo scanned as a trainee would: every item on the answer sheet is found as planted."""
from __future__ import annotations

import importlib.util

import pytest

from forensix.demo.build import EXT4_SHARE


def _items(answers: dict, role: str) -> list[dict]:
    return [item for item in answers["items"] if item["role"] == role]


def _record(records: list[dict], item: dict) -> dict:
    """The one exported record of a planted file system item (path, volume, content all agree)."""
    found = [r for r in records if r["path"] == item["path"] and r["volume_offset"] == item["volume_offset"]]
    assert len(found) == 1, f"{item['id']}: {len(found)} records at {item['path']}"
    record = found[0]
    assert (record["sha256"], record["md5"], record["size"]) == (item["sha256"], item["md5"], item["size"]), item["id"]
    assert record["deleted"] == item["deleted"], item["id"]
    return record


def test_every_file_of_both_partitions_is_walked(answers, records):
    top = [r for r in records if r["container"] is None]
    by_fs = {r["fs_type"] for r in top}
    assert len(by_fs) == 2, by_fs
    planted = len(answers["items"]) - sum(1 for i in answers["items"] if i["container"])
    assert len([r for r in top if not r["path"].endswith("/")]) >= planted + answers["ordinary_files"]


@pytest.mark.parametrize("role", ["known-material"])
def test_known_material_is_flagged_as_planted(answers, records, role):
    for item in _items(answers, role):
        if item["container"]:
            continue
        record = _record(records, item)
        matches = record["hash_matches"]
        assert [(m["set"], m["category"], m["alert"]) for m in matches] == [
            ("demo-vics.json", item["vics"]["category"], item["alert"])], item["id"]
        assert matches[0]["media_id"] == item["vics"]["media_id"]
        assert record["extension_mismatch"] is bool(item.get("extension_mismatch")), item["id"]


def test_deleted_stand_in_is_recovered_and_alerts(answers, records):
    item = next(i for i in answers["items"] if i["id"] == "standin-2-deleted")
    record = _record(records, item)
    assert record["deleted"] and any(m["alert"] for m in record["hash_matches"])


def test_renamed_stand_in_has_extension_mismatch(answers, records):
    item = next(i for i in answers["items"] if i["id"] == "standin-4-renamed")
    record = _record(records, item)
    assert record["name"].endswith(".txt") and record["mime"] == "image/png" and record["extension_mismatch"]


@pytest.mark.skipif(importlib.util.find_spec("plugins.archives") is None, reason="archives plugin not in this tree yet")
def test_zip_member_stand_in_alerts(answers, records):
    item = next(i for i in answers["items"] if i["id"] == "standin-3-zip")
    members = [r for r in records if r["container"] == item["container"] and r["sha256"] == item["sha256"]]
    assert len(members) == 1, members
    assert members[0]["path"].endswith(item["member"])
    assert [(m["category"], m["alert"]) for m in members[0]["hash_matches"]] == [(item["vics"]["category"], True)]


def test_known_good_files_are_marked(answers, records):
    items = _items(answers, "known-good")
    assert items
    for item in items:
        matches = _record(records, item)["hash_matches"]
        assert [(m["set"], m["kind"], m["alert"]) for m in matches] == [("demo-nsrl.db", "known-good", False)]


def test_no_ordinary_file_matches_a_set(answers, records):
    planted = {i["sha256"] for i in answers["items"]}
    stray = [r["path"] for r in records if r.get("hash_matches") and r["sha256"] not in planted]
    assert stray == []


def test_photos_exif_and_gps(answers, records):
    for item in _items(answers, "photo"):
        exif = _record(records, item)["exif"]
        expected = item["exif"]
        for key in ("make", "model", "datetime_original"):
            assert exif[key] == expected[key], (item["id"], key)
        assert exif.get("serial") == expected.get("serial"), item["id"]
        if "gps_latitude" in expected:
            for key in ("gps_latitude", "gps_longitude", "gps_altitude"):
                assert exif[key] == pytest.approx(expected[key], abs=1e-7), (item["id"], key)
        else:
            assert "gps_latitude" not in exif, item["id"]


def test_chat_identifiers_in_both_encodings(answers, records):
    encodings = set()
    for item in _items(answers, "chat"):
        hits = _record(records, item)["identifiers"]
        found = {(h["kind"], h["value"], h.get("scope")) for h in hits}
        assert found == {(i["kind"], i["value"], i.get("scope")) for i in item["identifiers"]}, item["id"]
        encodings |= {h["encoding"] for h in hits}
    assert {"ascii", "utf-16le"} <= encodings


def test_ordinary_files_carry_no_identifiers(answers, records):
    planted = {i["sha256"] for i in answers["items"]}
    noisy = [r["path"] for r in records if r.get("identifiers") and r["sha256"] not in planted]
    assert noisy == []


def test_ordinary_files_are_split_over_both_partitions(answers, records):
    home = [r for r in records if r["path"].startswith("/home/alex/") and "_" in r["name"]
            and r["name"].split("_")[0] in ("report", "notes", "invoice", "minutes", "data", "draft", "list", "cache")]
    assert len(home) == -(-answers["ordinary_files"] // EXT4_SHARE)
