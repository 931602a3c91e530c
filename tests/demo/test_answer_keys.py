"""The trainer's answer keys (docs/training/answers/*.md) against a real scan of the demo.

Each key ends with a ``json answer-key`` block; these tests recompute every value in
it from the scan's export records (and the answer sheet for what a scan cannot know,
such as a place name), and check that the report shows what the exercises send the
trainee to find there, so neither the keys nor the exercises can drift from the code.
The keys are for the default seed, which the session's demo build uses.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forensix.demo.build import DEFAULT_SEED

ANSWERS = Path(__file__).resolve().parents[2] / "docs" / "training" / "answers"
_BLOCK = re.compile(r"```json answer-key\n(.*?)```", re.DOTALL)


def key(name: str) -> dict:
    (path,) = ANSWERS.glob(f"{name}-*.md")
    blocks = _BLOCK.findall(path.read_text(encoding="utf-8"))
    assert len(blocks) == 1, f"{path.name}: expected one answer-key block"
    return json.loads(blocks[0])


def test_every_answer_key_has_an_exercise():
    exercises = ANSWERS.parent / "exercises"
    assert sorted(p.name for p in ANSWERS.glob("*.md")) == sorted(p.name for p in exercises.glob("*.md"))
    assert len(list(exercises.glob("*.md"))) == 5


def test_session_build_uses_the_keys_seed(demo):
    assert demo.seed == DEFAULT_SEED


def _alerting(record: dict) -> bool:
    return any(m["alert"] for m in record.get("hash_matches") or [])


def test_01_known_material(records):
    expected = key("01")
    alerts = [{"path": r["path"], "container": r["container"], "deleted": r["deleted"],
               "category": r["hash_matches"][0]["category"], "media_id": r["hash_matches"][0]["media_id"],
               "sha256": r["sha256"]} for r in records if _alerting(r)]
    assert sorted(alerts, key=lambda a: a["path"]) == sorted(expected["alerts"], key=lambda a: a["path"])
    quiet = [{"path": r["path"], "category": r["hash_matches"][0]["category"]} for r in records
             if r.get("hash_matches") and not _alerting(r) and r["hash_matches"][0]["kind"] == "known-bad"]
    assert quiet == expected["matched_without_alert"]
    assert sorted(r["path"] for r in records if r.get("extension_mismatch") and _alerting(r)) == expected["extension_mismatch"]
    assert sum(1 for r in records if any(m["kind"] == "known-good" for m in r.get("hash_matches") or [])) \
        == expected["known_good_files"]


def test_02_deleted_file(records):
    expected = key("02")
    deleted = [r for r in records if r["deleted"]]
    assert [{"path": r["path"], "fs_type": r["fs_type"], "volume_offset": r["volume_offset"], "sha256": r["sha256"]}
            for r in deleted if _alerting(r)] == expected["deleted_known_material"]
    assert sorted(r["path"] for r in deleted if not _alerting(r)) == expected["other_deleted_files"]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&").split())


def _rows(html: str) -> list[str]:
    return [_text(row) for row in html.split("<tr")[1:]]


def _exercise(name: str) -> str:
    (path,) = (ANSWERS.parent / "exercises").glob(f"{name}-*.md")
    return " ".join(path.read_text(encoding="utf-8").split())


def test_01_the_report_shows_categories_media_ids_and_the_quiet_match(demo_report):
    expected = key("01")
    labels = expected["category_labels"]
    index, details = _rows(demo_report["alert-index"]), _text(demo_report["alert-details"])
    for alert in expected["alerts"]:
        row = next(r for r in index if alert["path"] in r)
        assert labels[alert["category"]] in row and ("yes" if alert["deleted"] else "no") in row.split()
        assert f"media ID {alert['media_id']}" in details
    quiet = _rows(demo_report["alert-details"].split('id="quiet-matches"')[1])
    for match in expected["matched_without_alert"]:
        assert any(match["path"] in r and labels[match["category"]] in r for r in quiet), match


def test_03_photo_locations(records, answers):
    places = {i["path"]: i["place"] for i in answers["items"] if i["role"] == "photo"}
    photos = []
    for r in sorted((r for r in records if r.get("exif")), key=lambda r: r["path"]):
        exif = r["exif"]
        photos.append({"path": r["path"], "make": exif["make"], "model": exif["model"], "serial": exif.get("serial"),
                       "taken": exif["datetime_original"],
                       "latitude": round(exif["gps_latitude"], 6) if "gps_latitude" in exif else None,
                       "longitude": round(exif["gps_longitude"], 6) if "gps_longitude" in exif else None,
                       "place": places[r["path"]]})
    shown = ("camera", "taken_shown")  # how the report words them: checked against the report below
    expected = [{k: v for k, v in p.items() if k not in shown} for p in key("03")["photos"]]
    assert photos == sorted(expected, key=lambda p: p["path"])
    assert sum(1 for p in photos if p["serial"]) == key("03")["photos_with_serial"]


def test_03_the_report_and_the_exercise_agree_with_the_key(demo_report):
    expected = key("03")
    rows = _rows(demo_report["photos"])
    for photo in expected["photos"]:
        (row,) = [r for r in rows if photo["path"] in r]
        assert photo["camera"] in row and photo["taken_shown"] in row, row
        assert (f"serial {photo['serial']}" in row) is bool(photo["serial"]), row
    assert sum(1 for r in rows if "serial " in r) == expected["photos_with_serial"]
    words = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}
    assert f"{words[expected['photos_with_serial']]} photos come from cameras that record a body serial" \
        in _exercise("03")


def test_04_ip_addresses(records):
    expected = key("04")
    hits = [(r, h) for r in records for h in r.get("identifiers") or []]
    def addresses(*scopes: str) -> list[str]:
        return sorted({h["value"] for _, h in hits if h.get("scope") in scopes})

    assert addresses("public", "documentation") == expected["internet_addresses"]
    assert addresses("private") == expected["private_addresses"]
    assert sorted({h["value"] for _, h in hits if h["kind"] == "email"}) == expected["emails"]
    assert sorted({r["path"] for r, h in hits if h["encoding"] == "utf-16le"}) == expected["utf16_files"]
    assert sorted({r["path"] for r, _ in hits if r["deleted"]}) == expected["deleted_sources"]


def test_04_the_report_names_the_utf16_log(demo_report):
    lines = [line for row in demo_report["network"].split("<tr")[1:] for line in row.split("<br>")]
    for path in key("04")["utf16_files"]:
        assert any(path in line and "UTF-16LE" in line for line in lines), path


@pytest.mark.parametrize("name", ["01", "02", "03", "04", "05"])
def test_keys_are_valid_json(name):
    assert key(name)
