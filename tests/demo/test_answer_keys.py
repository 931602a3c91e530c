"""The trainer's answer keys (docs/training/answers/*.md) against a real scan of the demo.

Each key ends with a ``json answer-key`` block; these tests recompute every value in
it from the scan's export records (and the answer sheet for what a scan cannot know,
such as a place name), so the keys cannot drift from the code. The keys are for the
default seed, which the session's demo build uses.
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
    assert photos == sorted(key("03")["photos"], key=lambda p: p["path"])


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


@pytest.mark.parametrize("name", ["01", "02", "03", "04", "05"])
def test_keys_are_valid_json(name):
    assert key(name)
