"""One scan per evidence format, on images built from known bytes.

Expected values come from the content ``tests/fixtures/build_fixtures.py`` put
into each image, never from a forensic tool reading it back, so these tests
catch a walker that skips, renames, mis-reads or mis-hashes a file.
"""
from __future__ import annotations

from datetime import datetime
import shutil
from pathlib import Path

import pytest

from helpers import export_records, run_cli
from evidence_fixtures import EvidenceFixtures, load_builder

FIXTURE_NAMES = tuple(load_builder().BUILDERS)
CONTAINERS = ("e01", "vmdk", "vhd", "vhdx", "qcow2", "split_000", "split_001", "split_aa")
DAMAGED = ("truncated", "garbled_mbr")


def scan(fixtures: EvidenceFixtures, name: str, tmp_path: Path):
    """Scan one fixture as a user would; return the CLI result and the exported records."""
    case = tmp_path / "case"
    result = run_cli("scan", *fixtures.evidence(name), "--case", case)
    assert "Traceback" not in result.output
    return result, export_records(case)


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _matches(records: list[dict], expected: dict, by_content: bool) -> list[dict]:
    if by_content:  # a deleted FAT 8.3 name loses its first character, the content stays
        return [r for r in records if r["deleted"] and r["sha256"] == expected["sha256"]]
    return [r for r in records
            if r["path"] == expected["path"] and r["volume_offset"] == expected["volume_offset"]]


def assert_planted_files(records: list[dict], fixture: dict) -> None:
    """Every planted file is one record, with its exact size, digests, flags and place."""
    by_content = fixture.get("match_deleted_by") == "sha256"
    problems = []
    for expected in fixture["files"]:
        found = _matches(records, expected, by_content and expected["deleted"])
        if len(found) != 1:
            seen = sorted((r["volume_offset"], r["path"]) for r in records)
            problems.append(f"{expected['path']!r} @ {expected['volume_offset']}: {len(found)} records; seen {seen}")
            continue
        record = found[0]
        for key in ("size", "md5", "sha1", "sha256", "deleted", "volume_offset", "fs_type"):
            if record[key] != expected[key]:
                problems.append(f"{expected['path']!r}: {key} is {record[key]!r}, expected {expected[key]!r}")
        if expected["mtime"] is not None and _instant(record["mtime"]) != _instant(expected["mtime"]):
            problems.append(f"{expected['path']!r}: mtime is {record['mtime']!r}, expected {expected['mtime']!r}")
        if record["name"] != record["path"].rsplit("/", 1)[-1]:
            problems.append(f"{record['path']!r}: name {record['name']!r} is not the path's last part")
    assert not problems, "\n".join(problems)


def _warned(result, records: list[dict], evidence: Path) -> bool:
    """A warning about this evidence: on a record, or a console line naming the evidence
    (other warnings, such as a plugin failing to load, do not count)."""
    lines = result.output.lower().splitlines()
    about_it = [ln for ln in lines if ln.startswith("warning:") and evidence.name.lower() in ln]
    return bool(about_it) or any(r["warnings"] for r in records)


@pytest.mark.parametrize("name", [n for n in FIXTURE_NAMES if n not in DAMAGED])
def test_scan_reports_every_planted_file(evidence_fixtures: EvidenceFixtures, name: str, tmp_path: Path) -> None:
    fixture = evidence_fixtures.get(name)
    _, records = scan(evidence_fixtures, name, tmp_path)
    assert_planted_files(records, fixture)


def test_fat_deleted_files_are_recovered_and_flagged(evidence_fixtures: EvidenceFixtures, tmp_path: Path) -> None:
    fixture = evidence_fixtures.get("fat_deleted")
    _, records = scan(evidence_fixtures, "fat_deleted", tmp_path)
    deleted = {r["sha256"]: r for r in records if r["deleted"]}
    for expected in (f for f in fixture["files"] if f["deleted"]):
        record = deleted[expected["sha256"]]
        # TSK shows a deleted 8.3 name with '_' for its lost first byte; a VFAT long name survives.
        assert record["path"][2:] == expected["path"][2:], record["path"]
    kept = [r for r in records if r["path"] == "/kept.txt"]
    assert [r["deleted"] for r in kept] == [False]


def test_ntfs_alternate_streams_are_records_of_their_own(evidence_fixtures: EvidenceFixtures,
                                                         tmp_path: Path) -> None:
    fixture = evidence_fixtures.get("ntfs")
    _, records = scan(evidence_fixtures, "ntfs", tmp_path)
    by_path = {r["path"]: r for r in records}
    for stream in fixture["streams"]:
        host = stream.split(":", 1)[0]
        assert stream in by_path, f"no record for the stream {stream}"
        assert host in by_path, f"no record for the host file {host}"
        assert by_path[stream]["sha256"] != by_path[host]["sha256"]
        assert by_path[stream]["name"] == stream.rsplit("/", 1)[-1]


@pytest.mark.parametrize("name", ["mbr_extended", "gpt"])
def test_every_partition_is_walked(evidence_fixtures: EvidenceFixtures, name: str, tmp_path: Path) -> None:
    fixture = evidence_fixtures.get(name)
    _, records = scan(evidence_fixtures, name, tmp_path)
    offsets = {r["volume_offset"] for r in records}
    assert set(fixture["volume_offsets"]) <= offsets, f"volumes seen: {sorted(offsets)}"
    assert_planted_files(records, fixture)


@pytest.mark.parametrize("name", CONTAINERS)
def test_container_gives_the_same_files_as_the_raw_image(evidence_fixtures: EvidenceFixtures, name: str,
                                                         tmp_path: Path) -> None:
    raw = {r["sha256"] for r in scan(evidence_fixtures, "fat16", tmp_path / "raw")[1] if r["sha256"]}
    wrapped = {r["sha256"] for r in scan(evidence_fixtures, name, tmp_path / name)[1] if r["sha256"]}
    assert wrapped == raw


def test_folder_records_are_folder_entries(evidence_fixtures: EvidenceFixtures, tmp_path: Path) -> None:
    _, records = scan(evidence_fixtures, "folder", tmp_path)
    assert records and {r["fs_type"] for r in records} == {"folder"}
    assert {r["deleted"] for r in records} == {False}


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_evidence_costs_a_warning_not_the_scan(evidence_fixtures: EvidenceFixtures, name: str,
                                                       tmp_path: Path) -> None:
    fixture = evidence_fixtures.get(name)
    result, records = scan(evidence_fixtures, name, tmp_path)
    assert _warned(result, records, evidence_fixtures.evidence(name)[0]), result.output
    assert_planted_files(records, fixture)  # what is intact is still reported in full


def test_truncated_file_is_not_given_the_whole_files_digest(evidence_fixtures: EvidenceFixtures,
                                                             tmp_path: Path) -> None:
    fixture = evidence_fixtures.get("truncated")
    _, records = scan(evidence_fixtures, "truncated", tmp_path)
    large = next(f for f in fixture["planted"] if f["path"] == "/large.bin")
    found = [r for r in records if r["path"] == "/large.bin"]
    assert len(found) <= 1
    for record in found:  # listed or not, a half-read file must not pass for the whole one
        assert record["sha256"] != large["sha256"]
        assert record["warnings"], record


def test_hostile_name_round_trips_exactly(evidence_fixtures: EvidenceFixtures, tmp_path: Path) -> None:
    fixture = evidence_fixtures.get("hostile_name")
    _, records = scan(evidence_fixtures, "hostile_name", tmp_path)
    names = [r["name"] for r in records if "\n" in r["name"]]
    assert names == [fixture["hostile_name"]]
    assert [r["path"] for r in records if "\n" in r["path"]] == ["/" + fixture["hostile_name"]]


def test_missing_evidence_is_a_one_line_user_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-image.E01"
    result = run_cli("scan", missing, "--case", tmp_path / "case", expect=2)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "no-such-image.E01" in lines[0]
    assert "Traceback" not in result.output


def test_a_size_larger_than_the_file_system_stops_at_the_file_system(tmp_path, evidence_fixtures):
    """Damaged metadata claiming a 200 GB file on a 4 MiB ext4: TSK would return zeros
    without end; the read stops at the file system's size, with no digest and a warning."""
    import struct

    import pytsk3

    source = evidence_fixtures.evidence("ext4")[0]
    inode = pytsk3.FS_Info(pytsk3.Img_Info(str(source))).open("/etc/hostname").info.meta.addr
    image = tmp_path / "ext4_bad_size.img"
    data = bytearray(source.read_bytes())
    block = 1024  # the fixture's block size: the group descriptors follow the superblock in block 2
    inode_table = struct.unpack_from("<I", data, 2 * block + 8)[0]  # one group: the low word is enough
    inode_size = struct.unpack_from("<H", data, 1024 + 0x58)[0]
    target = inode_table * block + (inode - 1) * inode_size
    struct.pack_into("<I", data, target + 4, 0x00FF_FFFF)      # i_size_lo
    struct.pack_into("<I", data, target + 0x6C, 0x0000_0030)   # i_size_high: about 200 GB
    image.write_bytes(bytes(data))
    run_cli("scan", image, "--case", tmp_path / "case", "--no-progress", "--media-hash", "none")
    damaged = [r for r in export_records(tmp_path / "case") if r["size"] > 100 << 30]
    assert len(damaged) == 1 and damaged[0]["md5"] is None
    assert any("larger than the file system" in w for w in damaged[0]["warnings"])


def _e01_copy(evidence_fixtures: EvidenceFixtures, tmp_path: Path, keep: tuple[str, ...]) -> Path:
    source = evidence_fixtures.evidence("e01")[0].parent
    target = tmp_path / "damaged"
    target.mkdir()
    for suffix in keep:
        shutil.copyfile(source / f"fat16.{suffix}", target / f"fat16.{suffix}")
    return target / "fat16.E01"


def test_an_e01_with_a_missing_segment_keeps_what_is_readable(evidence_fixtures, tmp_path):
    """E03 lost: the files stored in E01/E02 keep their true digests, the hole is read as
    zeros and warned about, and nothing that touched it is given a digest."""
    image = _e01_copy(evidence_fixtures, tmp_path, ("E01", "E02"))
    result = run_cli("scan", image, "--case", tmp_path / "case", "--no-progress")
    assert "unreadable ranges in the image" in result.stderr and "Traceback" not in result.output
    records = {r["path"]: r for r in export_records(tmp_path / "case")}
    expected = {f["path"]: f for f in evidence_fixtures.get("e01")["files"]}
    intact = [p for p in expected if records[p]["md5"] is not None]
    assert intact, "no file survived the lost segment"
    for path in intact:
        assert records[path]["md5"] == expected[path]["md5"], path
    for path in set(expected) - set(intact):
        assert any("unreadable part of the image" in w for w in records[path]["warnings"]), path


def test_a_truncated_e01_is_damaged_evidence_not_a_crash(evidence_fixtures, tmp_path):
    image = _e01_copy(evidence_fixtures, tmp_path, ("E01",))
    with open(image, "r+b") as f:
        f.truncate(6000)  # the header survives, the data does not
    result = run_cli("scan", image, "--case", tmp_path / "case", "--no-progress")
    assert "Traceback" not in result.output
    assert "no partition table or file system recognised" in result.stderr
    assert "media hash (start) not computed" in result.stderr


def test_an_e01_libewf_cannot_open_is_recorded_as_damaged_evidence(tmp_path):
    image = tmp_path / "bad.E01"
    image.write_bytes(b"EVF\x09\x0d\x0a\xff\x00" + bytes(range(200)))
    result = run_cli("scan", image, "--case", tmp_path / "case", "--no-progress")
    assert "bad.E01: damaged or incomplete E01 (EnCase) container" in result.stderr
    assert export_records(tmp_path / "case") == []


@pytest.mark.parametrize("name", ["ntfs", "ext4", "fat16"])
def test_randomly_corrupted_file_systems_scan_to_the_end(evidence_fixtures, tmp_path, name):
    """Seeded corruption of the metadata area, as a fuzzer would: every damaged copy
    scans to the end with exit 0 and no traceback (this found a hang and a refusal)."""
    import random

    original = evidence_fixtures.evidence(name)[0].read_bytes()
    rng = random.Random(f"corrupt:{name}")
    for i in range(8):
        data = bytearray(original)
        for _ in range(rng.randint(1, 200)):
            data[rng.randrange(0, min(len(data), 256 << 10))] = rng.randrange(256)
        image = tmp_path / f"{name}-{i}.img"
        image.write_bytes(bytes(data))
        result = run_cli("scan", image, "--case", tmp_path / f"case{i}", "--no-progress", "--media-hash", "none")
        assert "Traceback" not in result.output
        export_records(tmp_path / f"case{i}")


def test_an_e01_with_a_damaged_signature_byte_is_named_a_damaged_e01(evidence_fixtures, tmp_path):
    image = _e01_copy(evidence_fixtures, tmp_path, ("E01", "E02", "E03"))
    with open(image, "r+b") as f:  # the test's own copy
        f.seek(1)
        f.write(b"X")
    result = run_cli("scan", image, "--case", tmp_path / "case", "--no-progress")
    assert "damaged or incomplete E01 (EnCase) container" in result.stderr
    assert "whole number" not in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("extra", [0, 100], ids=["cut-at-a-sector", "cut-mid-sector"])
def test_a_gpt_disk_cut_short_keeps_its_first_partitions_files(evidence_fixtures, tmp_path, extra):
    """The Sleuth Kit reads such a disk as its protective MBR and finds nothing; the GPT is read
    anyway, the damage said, and the first partition's files recovered as ``fls -o`` lists them."""
    fixture = evidence_fixtures.get("gpt")
    image = tmp_path / "cut.img"
    shutil.copyfile(evidence_fixtures.evidence("gpt")[0], image)
    with open(image, "r+b") as f:
        f.truncate(2 * 1024 * 1024 + 512 * 1024 + extra)  # half way through the first partition
    result = run_cli("scan", image, "--case", tmp_path / "case", "--no-progress")
    assert "cut short" in result.stderr and "damaged partition table" in result.stderr
    records = {r["path"]: r for r in export_records(tmp_path / "case")}
    first = {f["path"]: f for f in fixture["files"] if f["volume_offset"] == fixture["volume_offsets"][0]}
    assert first and set(first) <= set(records)
    for path, expected in first.items():
        assert records[path]["md5"] in (expected["md5"], None), path
    assert sum(records[p]["md5"] == e["md5"] for p, e in first.items()) >= 2
