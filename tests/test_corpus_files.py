"""Every file The Sleuth Kit lists in the shared corpus, deleted ones included,
is a record with the same MD5, SHA-256 and deleted flag (truth from fls/icat)."""
from __future__ import annotations

import pytest

from helpers import export_records


@pytest.fixture(scope="module")
def scanned(corpus, truth, tmp_path_factory):
    from helpers import run_cli

    out = {}
    for name, image in truth["images"].items():
        case = tmp_path_factory.mktemp("case") / name
        run_cli("scan", *[corpus / a for a in image["args"]], "--case", case, "--no-progress")
        out[name] = export_records(case)
    return out


def test_every_tsk_file_is_found_with_its_hashes(truth, scanned):
    missing = []
    for name, image in truth["images"].items():
        records = {(r["volume_offset"], r["inode"], r["md5"], r["sha256"], r["deleted"]) for r in scanned[name]}
        for f in image.get("files", []):
            key = (f["volume_offset"], f["inode"], f["md5"], f["sha256"], f["deleted"])
            if key not in records:
                missing.append(f"{name}: {f['path']}")
    assert missing == []


def test_records_carry_their_provenance(scanned):
    record = next(r for r in scanned["ntfs_windows_volume.raw"] if r["path"] == "/$UpCase:$Info")
    assert record["inode"] == "10-128-2" and record["fs_type"] == "ntfs"
    assert record["evidence"] == "ntfs_windows_volume.raw" and record["volume_offset"] == 0
    deleted = [r for r in scanned["ext4_suspect.raw"] if r["deleted"]]
    assert [r["path"] for r in deleted] == ["/Downloads/pack/img_001.png"]
    assert deleted[0]["mtime"] and deleted[0]["mtime"].endswith("Z")


def test_a_partition_without_a_file_system_is_a_warning_not_a_failure(corpus, tmp_path, cli):
    result = cli("scan", corpus / "images/tsk_volume_system.raw", "--case", tmp_path / "c", "--no-progress")
    assert "no file system recognised" in result.stderr
