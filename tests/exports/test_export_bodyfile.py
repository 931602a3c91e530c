"""The bodyfile: mactime reads every line, and the times come back as the records give them."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from forensix.exports.bodyfile import inode, name


def _mactime(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("mactime") is None:
        pytest.fail("mactime not found: install The Sleuth Kit (scripts/setup.sh does)")
    return subprocess.run(["mactime", *args], capture_output=True, text=True, timeout=120)


def _timeline(body: Path) -> list[dict[str, str]]:
    """mactime's comma-separated timeline with ISO-8601 UTC dates."""
    proc = _mactime("-b", str(body), "-y", "-d")
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return list(csv.DictReader(io.StringIO(proc.stdout)))


def _unix(text: str | None) -> int:
    if not text:
        return 0
    stamp = datetime.fromisoformat(text)
    return int((stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).timestamp())


@pytest.fixture(scope="module")
def body(corpus_case: Path) -> Path:
    from helpers import run_cli

    out = corpus_case / "timeline.body"
    run_cli("export", corpus_case, "--format", "bodyfile", "-o", out)
    return out


def test_mactime_reads_every_record(body, corpus_records):
    lines = body.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(corpus_records)
    assert all(line.count("|") == 10 for line in lines)
    proc = _mactime("-b", str(body))
    assert proc.returncode == 0 and not proc.stderr
    assert len(proc.stdout.splitlines()) > len(corpus_records)
    names = {row["File Name"] for row in _timeline(body)}
    assert names == {name(r) for r in corpus_records}, "mactime drops a line it cannot parse: none may be dropped"


def test_times_round_trip(body, corpus_records):
    """Every time mactime prints is one of the record's times (as UNIX seconds); no
    record's time is missing; a missing time is 0, which mactime prints as year 0."""
    seen: dict[str, set[tuple[str, int]]] = {}
    for row in _timeline(body):
        when = 0 if row["Date"].startswith("0000") else _unix(row["Date"].replace("Z", "+00:00"))
        for letter in row["Type"].replace(".", ""):
            seen.setdefault(row["File Name"], set()).add((letter, when))
    for record in corpus_records:
        expected = {(letter, _unix(record[field]))
                    for letter, field in (("m", "mtime"), ("a", "atime"), ("c", "ctime"), ("b", "crtime"))}
        assert seen[name(record)] == expected, record["path"]
    fat_photo = next(r for r in corpus_records if r["fs_type"] == "fat32" and r["name"] == "IMG_0000.JPG")
    assert fat_photo["ctime"] is None and ("c", 0) in seen[name(fat_photo)]


def test_fat_times_with_the_device_time_zone(corpus_case, cli, corpus_records):
    """FAT holds the device's wall clock; naming its zone turns it into true UTC."""
    as_written = cli("export", corpus_case, "--format", "bodyfile").stdout.splitlines()
    in_zone = cli("export", corpus_case, "--format", "bodyfile", "--device-timezone", "America/New_York").stdout
    for before, after, record in zip(as_written, in_zone.splitlines(), corpus_records):
        mtime_before, mtime_after = int(before.split("|")[8]), int(after.split("|")[8])
        if record["fs_type"] == "fat32":
            assert mtime_after - mtime_before == 5 * 3600  # November: UTC-5
        elif record["fs_type"] == "ext4":
            assert mtime_after == mtime_before
    assert "unknown time zone" in cli("export", corpus_case, "--format", "bodyfile", "--device-timezone",
                                      "Mars/Base", expect=2).stderr


def test_names_that_would_break_a_line_are_escaped_as_mactime_decodes():
    record = {"evidence": "JS/1", "volume_offset": 0, "path": "/a|b%41\nc.txt", "deleted": True}
    assert name(record) == "JS/1@0:/a%7Cb%2541%0Ac.txt (deleted)"
    assert inode("70:1") == "70" and inode("12-128-4") == "12-128-4" and inode(None) == "0"
