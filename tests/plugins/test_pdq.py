"""The pdq plugin on real bytes: every picture format, what is hashed (never the EXIF
thumbnail), low quality kept but not matched, bombs and non-pictures as warnings, a
PDQ list and a VICS list giving the same near matches, and a report that lists them
and never shows them."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import piexif
import pytest
from helpers import export_records, fixture_script, report_sections, run_cli

from forensix import pdq
from forensix.records import Digests, FileEntry
from forensix.scanconfig import ScanConfig
from plugins import pdq as plugin

pictures = fixture_script("pdq_pictures")

CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Warning)\b")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture pictures (as a folder of evidence), the manifest, and the two known lists."""
    root = tmp_path_factory.mktemp("pdq")
    manifest = pictures.build(root / "evidence")
    (root / "evidence" / "manifest.json").unlink()
    pdq_list, vics = pictures.known_lists(root, manifest)
    return root, manifest, pdq_list, vics


@pytest.fixture()
def configured(built, tmp_path):
    """The plugin configured as a worker process configures it: no case store."""
    _, _, pdq_list, _ = built

    def configure(**options):
        plugin.forensix_configure(ScanConfig(case_dir=tmp_path / "case", store=None, hashsets=(str(pdq_list),),
                                             options=options))
    configure()
    yield configure
    plugin.forensix_configure(ScanConfig(case_dir=tmp_path / "case", store=None))


def analyze(data: bytes):
    entry = FileEntry(evidence="t", volume_offset=0, fs_type="test", path="/p", inode="1", deleted=False,
                      size=len(data))
    analyzer = plugin.forensix_file_analyzer(entry=entry, head=data[:1 << 20])
    assert analyzer is not None
    for offset in range(0, len(data), 1 << 16):
        analyzer.feed(data[offset:offset + (1 << 16)], offset)
    digests = Digests(hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
                      hashlib.sha256(data).hexdigest(), len(data))
    return analyzer.finish(digests)


def reference(manifest: dict, name: str) -> bytes:
    return bytes.fromhex(manifest["reference"][name]["pdq"])


# bits a format's own encoding may move the hash (JPEG decoded as luma; lossy WebP and HEIC)
TOLERANCE = {"jpg": 4, "png": 0, "gif": 8, "bmp": 0, "tif": 0, "webp": 8, "heic": 8}


@pytest.mark.parametrize("extension", sorted(TOLERANCE))
def test_every_format_gives_the_pictures_hash_and_its_match(built, configured, extension):
    root, manifest, _, _ = built
    result = analyze((root / "evidence" / f"known.{extension}").read_bytes())
    found = bytes.fromhex(result.data["pdq"]["hash"])
    assert pdq.distance(found, reference(manifest, "known")) <= TOLERANCE[extension]
    assert result.data["pdq"]["quality"] == 100 and not result.warnings
    match, = result.data["hash_matches"]
    assert match == {"set": "known.pdq.txt", "kind": "known-bad", "category": "1", "alert": True,
                     "media_id": pictures.KNOWN_MEDIA_ID, "scheme": "vic-us", "match": "pdq",
                     "distance": match["distance"], "orientation": "as-listed"}
    assert [(f.kind, f.detail["media_id"]) for f in result.findings] == [("pdq_alert", pictures.KNOWN_MEDIA_ID)]
    if extension == "gif":  # the first frame is the picture; the second is another one altogether
        assert pdq.distance(found, reference(manifest, "other")) > 64


def test_the_exif_thumbnail_is_not_what_is_hashed(built, configured):
    root, manifest, _, _ = built
    data = (root / "evidence" / "thumbnail_is_other.jpg").read_bytes()
    assert len(piexif.load(data)["thumbnail"]) > 1000  # the file does carry the other picture
    result = analyze(data)
    found = bytes.fromhex(result.data["pdq"]["hash"])
    assert pdq.distance(found, reference(manifest, "known")) <= 4  # the main picture
    assert pdq.distance(found, reference(manifest, "thumbnail")) > 64  # not the thumbnail inside it


def test_low_quality_hash_is_kept_and_never_matched(built, configured):
    root, manifest, _, _ = built
    result = analyze((root / "evidence" / "faint.png").read_bytes())
    assert result.data["pdq"] == {"hash": manifest["reference"]["faint"]["pdq"], "quality": 15}
    assert "hash_matches" not in result.data and not result.findings  # listed with this very hash


@pytest.mark.parametrize("name, words", [
    ("bomb_64mp.png", "8000 x 8000 pixels is larger than the 50-megapixel limit (decompression bomb?)"),
    ("bomb_1600mp.png", "far beyond the limit (decompression bomb?): not decoded"),
    ("jpeg_like.jpg", "damaged picture"),
])
def test_bombs_and_damaged_pictures_cost_a_warning_in_words(built, configured, name, words):
    root, _, _, _ = built
    result = analyze((root / "evidence" / name).read_bytes())
    warning, = result.warnings
    assert words in warning and "no perceptual hash" not in warning
    assert not CLASS_NAME.search(warning), warning
    assert result.data is None


def test_a_picture_over_the_size_limit_is_not_buffered(built, configured, monkeypatch):
    root, _, _, _ = built
    monkeypatch.setattr(plugin, "MAX_BYTES", 1000)
    result = analyze((root / "evidence" / "known.png").read_bytes())
    assert result.warnings == (f"PNG picture of {result_size(root)} bytes is larger than the 1,000-byte limit: "
                               "no perceptual hash",) and result.data is None


def result_size(root: Path) -> str:
    return f"{(root / 'evidence' / 'known.png').stat().st_size:,}"


def test_non_pictures_are_not_taken(configured):
    entry = FileEntry(evidence="t", volume_offset=0, fs_type="test", path="/a.txt", inode="1", deleted=False, size=5)
    assert plugin.forensix_file_analyzer(entry=entry, head=b"hello") is None


def _scan(root: Path, case: Path, *args) -> dict[str, dict]:
    run_cli("scan", root / "evidence", "--case", case, "--no-progress", *args)
    return {Path(r["path"]).name: r for r in export_records(case)}


def _near(record: dict) -> list[dict]:
    return [{k: v for k, v in m.items() if k != "set"} for m in record.get("hash_matches", [])]


def test_a_pdq_list_and_a_vics_list_give_the_same_matches(built, tmp_path):
    root, manifest, pdq_list, vics = built
    by_list = _scan(root, tmp_path / "a", "--hashset", pdq_list)
    by_vics = _scan(root, tmp_path / "b", "--hashset", vics)
    assert {name: _near(r) for name, r in by_list.items()} == {name: _near(r) for name, r in by_vics.items()}
    near = {name: (m["media_id"], m["orientation"], m["distance"]) for name, r in by_vics.items()
            for m in r.get("hash_matches", [])}
    known = pictures.KNOWN_MEDIA_ID
    assert {n: near[n][:2] for n in near} == {
        **{f"known.{x}": (known, "as-listed") for x in TOLERANCE}, "half.jpg": (known, "as-listed"),
        "thumbnail_is_other.jpg": (known, "as-listed"), "mirrored.jpg": (known, "mirror-left-right"),
        "rotated.jpg": (known, "rotate90ccw")}
    assert all(m["match"] == "pdq" and m["alert"] for r in by_vics.values() for m in r.get("hash_matches", []))
    assert by_vics["faint.png"]["pdq"]["quality"] < pdq.MIN_QUALITY
    for name in ("bomb_64mp.png", "bomb_1600mp.png", "jpeg_like.jpg"):
        assert "pdq" not in by_vics[name] and any(w.startswith("pdq: ") for w in by_vics[name]["warnings"])


def test_threshold_and_dihedral_options(built, tmp_path):
    root, _, _, vics = built
    records = _scan(root, tmp_path / "case", "--hashset", vics, "--pdq-threshold", "4", "--option", "pdq_dihedral=off")
    matched = {name for name, r in records.items() if r.get("hash_matches")}
    assert "known.png" in matched
    assert not matched & {"half.jpg", "mirrored.jpg", "rotated.jpg"}  # 10 bits away; turned copies
    result = run_cli("scan", root / "evidence", "--case", tmp_path / "bad", "--pdq-threshold", "65", expect=2)
    assert "65" in result.output


def test_the_report_lists_near_matches_after_the_alerts_and_never_shows_them(built, tmp_path):
    root, _, _, vics = built
    evidence = tmp_path / "evidence"
    shutil.copytree(root / "evidence", evidence)
    shutil.copy(evidence / "known.jpg", evidence / "exact_copy.jpg")
    listed = json.loads(vics.read_text())
    data = (evidence / "known.jpg").read_bytes()
    listed["value"][0].update(MD5=hashlib.md5(data).hexdigest(), SHA1=hashlib.sha1(data).hexdigest())
    (tmp_path / "v.json").write_text(json.dumps(listed))
    case = tmp_path / "case"
    run_cli("scan", evidence, "--case", case, "--no-progress", "--hashset", tmp_path / "v.json")
    exact = {Path(r["path"]).name: r for r in export_records(case)}["exact_copy.jpg"]["hash_matches"]
    assert [m["match"] for m in exact] == ["exact", "pdq"]  # hashmatch first, then the near match
    run_cli("report", case, "--show-thumbnails")
    html = (case / "REPORT.html").read_text()
    sections = report_sections(html)
    summary = sections["summary"]
    assert re.search(r">2</td><th>files matching known abuse material", summary)
    assert re.search(r">10</td><th>pictures that are near matches of known abuse material \(PDQ distance at most 31",
                     summary)
    alerts = sections["alert-index"] + sections["alert-details"]
    near = sections["near-matches"]
    assert "exact_copy.jpg" in alerts and "known.jpg" in alerts and "mirrored.jpg" not in alerts
    rows = re.findall(r"<tr class=\"alert\">(.*?)</tr>", near, re.S)
    assert len(rows) == 10 and "exact_copy" not in near and "known.jpg" not in near  # exact alerts: not again
    assert "mirrored.jpg" in near and "mirrored left to right" in near and "rotated 90° counter-clockwise" in near
    method = sections["method"]
    assert "within 31 bits (of 256)" in method and "crops of more than a few percent" in method
    photos = sections["photos"]
    shown = re.findall(r"<tr>(?:(?!</tr>).)*<img class=\"thumb\"(?:(?!</tr>).)*</tr>", photos, re.S)
    assert len(shown) == 1 and "negative.jpg" in shown[0]  # thumbnails work, and only for the unlisted photo
    assert "thumbnail_is_other.jpg" in photos and "<img" not in html.replace(shown[0], "")
