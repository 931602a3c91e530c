"""Media hashes: whole-image hashes equal a plain hash of the file, the folder
manifest is the documented formula, E01 stored hashes are compared, and
``verify-evidence`` fails when the image changed after the scan."""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

from helpers import run_cli

from forensix.case.integrity import compare_stored, hash_media
from forensix.case.store import CaseStore
from forensix.evidence import open_evidence


def test_raw_image_hash_is_the_hash_of_its_bytes(corpus: Path) -> None:
    path = corpus / "images" / "fat32_suspect.raw"
    source = open_evidence(path)
    try:
        assert hash_media(source)["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    finally:
        source.close()


def test_e01_media_hash_matches_the_stored_md5(corpus: Path) -> None:
    source = open_evidence(corpus / "images" / "ext2.E01")
    try:
        digests = hash_media(source)
        assert source.stored_hashes.get("md5")
        assert compare_stored(source.stored_hashes, digests) == "match"
        assert compare_stored({"md5": "0" * 32}, digests) == "mismatch"
        assert compare_stored({}, digests) == "none stored"
    finally:
        source.close()


def test_folder_manifest_hash_is_the_documented_formula(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    files = {"/a.txt": b"alpha", "/b/c d\n.bin": b"\x00" * 10, "/b/z": b""}
    for rel, data in files.items():
        (tmp_path / rel.lstrip("/")).write_bytes(data)
    manifest = "".join(sorted(f"{json.dumps(p)} {len(d)} {hashlib.sha256(d).hexdigest()}\n" for p, d in files.items()))
    source = open_evidence(tmp_path)
    assert hash_media(source)["sha256"] == hashlib.sha256(manifest.encode()).hexdigest()


def test_verify_evidence_finds_a_changed_image(corpus: Path, tmp_path: Path) -> None:
    image = tmp_path / "copy.raw"
    shutil.copyfile(corpus / "images" / "fat32_suspect.raw", image)
    case = tmp_path / "case"
    run_cli("scan", image, "--case", case, "--no-progress", "--media-hash", "both")
    store = CaseStore.open(case)
    try:
        row = store.evidence()[0]
        assert row["sha256"] == row["end_sha256"] == hashlib.sha256(image.read_bytes()).hexdigest()
    finally:
        store.close()
    assert "match" in run_cli("verify-evidence", case).output
    with open(image, "r+b") as f:  # the test's own copy, never the corpus
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    out = run_cli("verify-evidence", case, expect=1).output
    assert "mismatch" in out and "md5, sha1, sha256 differ" in out
    db = sqlite3.connect(case / "case.sqlite")
    results = [json.loads(d)["result"] for (d,) in db.execute(
        "SELECT details FROM actions WHERE action='evidence verified' ORDER BY seq")]
    assert results == ["match", "mismatch"]


def test_folder_manifest_lists_links_instead_of_failing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"abc")
    (tmp_path / "link").symlink_to("a.txt")
    manifest = (f'{json.dumps("/a.txt")} 3 {hashlib.sha256(b"abc").hexdigest()}\n'
                f'{json.dumps("/link")} {json.dumps("symbolic link to a.txt")}\n')
    assert hash_media(open_evidence(tmp_path))["sha256"] == hashlib.sha256(manifest.encode()).hexdigest()
