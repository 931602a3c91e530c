"""Thumbnails of pictures inside decoded volume layers: the report reads each picture again
through the same volume machinery as the scan (here a LUKS volume, unlocked with the password
given to the report), still never shows known material, and says once, in words, which
volumes it could not open. Every recorded file of the modern corpus's layered images (LVM2,
APFS, shadow copies, a differencing VHD) reads back with the SHA-256 the scan recorded."""
from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
from pathlib import Path

import pytest

from helpers import export_records, report_sections, run_cli

from forensix.case.store import CaseStore
from forensix.report import reread
from forensix.report.context import ContextBuilder, ReportOptions
from forensix.report.thumbnails import evidence_paths

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import layer_pictures as pictures  # noqa: E402  (a builder script beside luks_fixture, which it imports)

LOCKED = "the LUKS volume cannot be opened again: it is locked; give --password to read it"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, dict]:
    """The LUKS image of pictures scanned with its password and a known-bad set listing ``listed.jpg``."""
    folder = tmp_path_factory.mktemp("layer_pictures")
    built = pictures.build(folder)
    hashset = folder / "listed.sha256.txt"
    hashset.write_text(f"{built['pictures']['listed.jpg']['sha256']}  listed.jpg\n")
    case = folder / "case"
    run_cli("scan", built["image"], "--case", case, "--password", built["password"], "--hashset", hashset,
            "--no-progress")
    volumes = {r["path"]: r["volume"] for r in export_records(case)}
    assert volumes["/photo_red.jpg"] == "luks / ext2"  # the pictures are inside the decoded layer
    return case, built


def _thumbnails(section: str) -> dict[str, str | None]:
    """Each row's first path and its thumbnail's data URI (``None``: no picture shown)."""
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        path = re.search(r'class="path">([^<]+)<', row)
        if path:
            image = re.search(r'<img class="thumb" alt="thumbnail" src="data:image/jpeg;base64,([^"]+)"', row)
            out[path.group(1)] = image.group(1) if image else None
    return out


def _colour(data_uri: str) -> tuple[int, ...]:
    from PIL import Image, ImageStat

    with Image.open(io.BytesIO(base64.b64decode(data_uri))) as image:
        return tuple(round(v) for v in ImageStat.Stat(image.convert("RGB")).mean)


def test_pictures_in_an_unlocked_layer_get_their_own_thumbnail_and_a_hit_none(scanned, tmp_path):
    case, built = scanned
    result = run_cli("report", case, "--show-thumbnails", "-o", tmp_path / "r.html", "--password", built["password"])
    html = (tmp_path / "r.html").read_text()
    sections = report_sections(html)
    photos, disguised = _thumbnails(sections["photos"]), _thumbnails(sections["disguised"])
    for path, shown in (("/photo_red.jpg", photos), ("/photo_blue.jpg", photos), ("/notes.txt", disguised)):
        want = built["pictures"][path[1:]]["colour"]
        got = _colour(shown[path])
        assert all(abs(a - b) <= 8 for a, b in zip(got, want)), (path, got, want)
    assert "/listed.jpg" in photos and photos["/listed.jpg"] is None  # a hash-set hit: listed, never shown
    assert "KNOWN MATERIAL" in sections["photos"]
    assert "<img" not in sections["alert-index"] + sections["alert-details"]
    assert "Pictures without a thumbnail" not in html and "warning" not in result.output
    password = built["password"].encode()
    assert password not in html.encode() and password not in result.output.encode()
    assert not [p for p in case.rglob("*") if p.is_file() and password in p.read_bytes()]


@pytest.mark.parametrize("given, why", [((), LOCKED),
                                        (("--password", "not it"), "the password given does not unlock it")])
def test_without_the_key_a_locked_layer_is_said_once_and_nothing_is_shown(scanned, tmp_path, given, why):
    case, _ = scanned
    result = run_cli("report", case, "--show-thumbnails", "-o", tmp_path / "r.html", *given)
    html = (tmp_path / "r.html").read_text()
    assert '<img class="thumb"' not in html
    assert html.count(why) == 1 and html.count("Pictures without a thumbnail") == 1
    assert "exhibit pictures_luks.raw, luks / ext2: " in html
    warnings = [line for line in result.output.splitlines() if "no thumbnails" in line]
    assert len(warnings) == 1 and why in result.output and "Traceback" not in result.output


@pytest.fixture(scope="module")
def layered_case(modern: Path, tmp_path_factory) -> Path:
    case = tmp_path_factory.mktemp("layered") / "case"
    images = ["lvm.qcow2", "apfs.raw", "vsstest.qcow2", "image-differential.vhd"]
    run_cli("scan", *[modern / "images" / name for name in images], "--case", case, "--no-progress")
    return case


def test_every_recorded_file_of_a_layer_reads_back_as_the_scan_read_it(layered_case, monkeypatch):
    opened, open_volume = [], reread.open_volume
    monkeypatch.setattr(reread, "open_volume", lambda *args: opened.append(args[1]) or open_volume(*args))
    store = CaseStore.open(layered_case, read_only=True)
    builder = ContextBuilder(store, ReportOptions())
    refs = reread.volume_refs(store.db.execute("SELECT evidence_id, offset, volume_key, ref FROM volumes"), builder.labels)
    rereader = reread.Rereader(evidence_paths(store.evidence()), refs)
    try:
        wrong, volumes, labels = [], set(), set()
        for row in store.db.execute("SELECT * FROM files WHERE container IS NULL AND sha256 IS NOT NULL"
                                    " AND size <= 1048576"):
            item = builder.copy(row)
            data = rereader.read(item, 1 << 20)
            volumes.add((item["exhibit"], item["volume_offset"], item["volume_key"]))
            labels.add(item["record"].get("volume"))
            if data is None or hashlib.sha256(data).hexdigest() != item["sha256"]:
                wrong.append((item["exhibit"], item["path"], item["inode"], item["record"].get("snapshot")))
    finally:
        rereader.close()
        store.db.close()
    assert wrong == [] and rereader.problems == []
    assert {"lvm:test_volume_group/test_logical_volume / ext2", "apfs volume 1 (apfs_test) / apfs",
            "shadow copy 1 / ntfs", "shadow copy 2 / ntfs"} <= labels
    assert len(opened) == len(volumes) == 6  # each volume once for all its files (VSS: live and two copies)
