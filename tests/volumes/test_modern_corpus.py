"""Each volume layer on real third-party images: every file the reference tools list is a
record with their hashes, inode and deleted flag, on the volume the truth says."""
from __future__ import annotations

import pytest

from helpers import export_records, run_cli

IMAGES = ["syslog_image.dd", "apfs.raw", "bdetogo.raw", "lvm.qcow2", "vsstest.qcow2", "luks2_header.raw",
          "image-differential.vhd"]


@pytest.fixture(scope="module")
def scans(modern, modern_truth, tmp_path_factory):
    """Each image scanned once, as the truth says (its options included): (console, records)."""
    out = {}
    for name in IMAGES:
        args = [modern / a if (modern / a).exists() else a for a in modern_truth["images"][name]["args"]]
        case = tmp_path_factory.mktemp("case") / name
        result = run_cli("scan", *args, "--case", case, "--no-progress")
        out[name] = (result.output, export_records(case))
    return out


def _key(record: dict) -> tuple:
    return record["volume_offset"], record["inode"], record.get("snapshot")


@pytest.mark.parametrize("name", IMAGES)
def test_every_file_of_the_truth_is_a_record(name, modern_truth, scans):
    records = {_key(r): r for r in scans[name][1] if r["container"] is None}
    wrong = []
    for want in modern_truth["images"][name].get("files", []):
        got = records.get((want["volume_offset"], want["inode"], want.get("snapshot")))
        if got is None or (got["md5"], got["sha256"], got["deleted"]) != (want["md5"], want["sha256"], want["deleted"]):
            wrong.append(f"{want['path']} {want['inode']} snapshot {want.get('snapshot')}: {got and got['md5']}")
    assert wrong == []


@pytest.mark.parametrize("name", ["bdetogo.raw", "luks2_header.raw"])
def test_an_encrypted_volume_that_cannot_be_opened_is_named_in_a_warning(name, modern_truth, scans):
    console = scans[name][0].replace(name, "")
    assert modern_truth["images"][name]["expect_warning"].lower() in console.lower()


def test_orphans_are_deleted_files_under_orphan_files(scans):
    orphans = [r for r in scans["syslog_image.dd"][1] if r["path"].startswith("/$OrphanFiles/")]
    assert sorted(r["inode"] for r in orphans) == ["14", "15", "16"]
    assert all(r["deleted"] and r["md5"] for r in orphans)


def test_an_apfs_resource_fork_is_a_record_of_its_own(scans):
    fork = next(r for r in scans["apfs.raw"][1] if r["inode"] == "23-4353-1")
    assert fork["path"] == "/a_directory/a_resourcefork:com.apple.ResourceFork"
    assert fork["stream"] == "com.apple.ResourceFork" and fork["fs_type"] == "apfs"
    assert fork["volume"] == "apfs volume 1 (apfs_test) / apfs"


def test_the_bitlocker_to_go_discovery_volume_is_still_walked(scans):
    records = scans["bdetogo.raw"][1]
    assert {r["volume"] for r in records} == {"bitlocker to go discovery volume / fat32"}
    assert "/BitLockerToGo.exe" in {r["path"] for r in records}


def test_logical_volume_records_name_their_volume(scans):
    records = scans["lvm.qcow2"][1]
    assert {(r["volume_offset"], r["volume"]) for r in records} == {
        (1048576, "lvm:test_volume_group/test_logical_volume / ext2")}


def test_a_shadow_copy_keeps_only_what_the_live_volume_lacks(scans):
    records = [r for r in scans["vsstest.qcow2"][1] if r["container"] is None]
    live = {(r["inode"], r["sha256"]) for r in records if "snapshot" not in r}
    snapshots = [r for r in records if "snapshot" in r]
    assert {r["snapshot"] for r in snapshots} == {1, 2}
    assert not [r for r in snapshots if (r["inode"], r["sha256"]) in live]
    assert {r["volume"] for r in snapshots} == {"shadow copy 1 / ntfs", "shadow copy 2 / ntfs"}


def test_no_vss_walks_the_live_volume_only(modern, tmp_path):
    run_cli("scan", modern / "images/vsstest.qcow2", "--case", tmp_path / "c", "--no-vss", "--no-progress")
    records = export_records(tmp_path / "c")
    assert records and not [r for r in records if "snapshot" in r]
