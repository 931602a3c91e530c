"""The central repository: two cases that share a file and an e-mail address see each other
through it, on PostgreSQL (as the lab's roles allow) and on a SQLite file."""
from __future__ import annotations

import hashlib
import io
import itertools
import random
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import export_records, report_sections, run_cli
from labservers import DB_PASSWORD

_databases = itertools.count(1)


@dataclass(frozen=True)
class Repo:
    url: str
    reader: str | None = None
    """A login that may only read (PostgreSQL)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def repo(request, tmp_path) -> Repo:
    if request.param == "sqlite":
        url = str(tmp_path / "lab-repository.sqlite")
        run_cli("repo", "init", url)
        return Repo(url)
    postgres = request.getfixturevalue("postgres")
    database = f"repo{next(_databases)}"
    postgres.sql(f"CREATE DATABASE {database}")
    result = run_cli("repo", "init", postgres.superuser_url(database), "--grant-write", "examiner",
                     "--grant-read", "trainee")
    assert "examiner may add cases" in result.output
    return Repo(postgres.url("examiner", DB_PASSWORD, database), postgres.url("trainee", DB_PASSWORD, database))


def evidence(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def case(folder: Path, number: str) -> Path:
    run_cli("case", "init", folder, "--case-number", number, "--examiner", "DC Test", "--agency", "Lab Unit")
    return folder


def scan(source: Path, case_dir: Path, exhibit: str, *extra: object):
    return run_cli("scan", source, "--case", case_dir, "--exhibit", exhibit, "--no-progress", "--media-hash", "none",
                   "--workers", "0", *extra)


def seen(case_dir: Path) -> dict[str, list[tuple]]:
    return {r["path"]: [(s["kind"], s["value"], s["case_number"], s["exhibit"], s["path"]) for s in r["seen_in"]]
            for r in export_records(case_dir) if "seen_in" in r}


def picture() -> bytes:
    """A small PNG of noise: a picture, so that a report asked for thumbnails could show it."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (48, 48), random.Random(15).randbytes(48 * 48 * 3)).save(out, "PNG")
    return out.getvalue()


def test_two_cases_sharing_a_file_and_an_address_see_each_other(repo, tmp_path):
    shared = picture()
    known = tmp_path / "known_bad.md5.txt"  # the shared picture is known material: listed, never shown
    known.write_text(f"{hashlib.md5(shared).hexdigest()}  training-stand-in.png\n")
    a = evidence(tmp_path / "laptop", {"holiday.jpg.bin": shared, "note.txt": b"write to Carol@Example.net today\n",
                                       "empty.txt": b"", "own.txt": b"only on the laptop, from 8.8.4.4\n"})
    b = evidence(tmp_path / "phone", {"copy.dat": shared, "mail.eml": b"From: carol@example.net\n",
                                      "empty.txt": b"", "own.txt": b"only on the phone\n"})
    case_a, case_b = case(tmp_path / "case-a", "2026/101"), case(tmp_path / "case-b", "2026/202")
    first = scan(a, case_a, "A/1", "--repo", repo.url, "--hashset", known)
    assert "0 files seen in other cases" in first.output
    second = scan(b, case_b, "B/1", "--repo", repo.url, "--hashset", known)
    assert "2 files seen in other cases (2026/101)" in second.output
    holiday = next(r for r in export_records(case_a) if r["name"] == "holiday.jpg.bin")
    digest, pdq = holiday["sha256"], holiday["pdq"]["hash"]  # the same picture: its PDQ hash too
    assert seen(case_b) == {"/copy.dat": [("sha256", digest, "2026/101", "A/1", "/holiday.jpg.bin"),
                                          ("pdq", pdq, "2026/101", "A/1", "/holiday.jpg.bin")],
                            "/mail.eml": [("email", "carol@example.net", "2026/101", "A/1", "/note.txt")]}
    assert seen(case_a) == {}  # it learns of the later case when compared again
    again = run_cli("repo", "add", case_a, "--repo", repo.url)
    assert "2 files seen in other cases (2026/202)" in again.output
    assert seen(case_a) == {"/holiday.jpg.bin": [("sha256", digest, "2026/202", "B/1", "/copy.dat"),
                                                 ("pdq", pdq, "2026/202", "B/1", "/copy.dat")],
                            "/note.txt": [("email", "carol@example.net", "2026/202", "B/1", "/mail.eml")]}
    for sealed in (case_a, case_b):  # seen_in sits beside the sealed records: the seals still hold
        assert "seen in other cases: 2 records as the comparison of log entry" in run_cli("verify", sealed).output
    tampered = tmp_path / "tampered"  # ...and the comparison's logged digest vouches for seen_in itself
    shutil.copytree(case_b, tampered)
    with sqlite3.connect(tampered / "case.sqlite") as db:
        db.execute("UPDATE seen_in SET entries=replace(entries, '2026/101', '2026/999')")
    failed = run_cli("verify", tampered, expect=1)
    assert "seen in other cases: what 2 records say other cases saw changed since the comparison" in failed.output
    run_cli("report", case_a, "-o", tmp_path / "a.html", "--show-thumbnails")
    report = report_sections((tmp_path / "a.html").read_text())["seen-in-other-cases"]
    assert "case 2026/202, B/1" in report and "/copy.dat" in report and "carol@example.net" in report
    assert "8.8.4.4" not in report and "empty.txt" not in report
    assert "KNOWN MATERIAL" in report and "<img" not in report and "data:image" not in report
    for output in (first.output, second.output, again.output):
        assert DB_PASSWORD not in output
    for path in [*case_a.rglob("*"), *case_b.rglob("*")]:
        assert not path.is_file() or DB_PASSWORD.encode() not in path.read_bytes(), path
    if repo.reader:  # a role that may only read learns what others saw, and adds nothing
        c = evidence(tmp_path / "usb", {"again.bin": shared})
        case_c = case(tmp_path / "case-c", "2026/303")
        third = scan(c, case_c, "C/1", "--repo", repo.reader, "--hashset", known)
        assert "may only read" in third.output and "(2026/101, 2026/202)" in third.output
        run_cli("repo", "add", case_a, "--repo", repo.url)
        assert "2026/303" not in str(seen(case_a))


def test_a_case_without_a_number_is_refused_before_the_scan(tmp_path):
    pytest.importorskip("psycopg")
    url = str(tmp_path / "repo.sqlite")
    run_cli("repo", "init", url)
    source = evidence(tmp_path / "ev", {"a.txt": b"a"})
    result = run_cli("scan", source, "--case", tmp_path / "case", "--repo", url, "--no-progress", expect=2)
    assert "case number" in result.output and not (tmp_path / "case").exists()
    numberless = tmp_path / "numberless"
    run_cli("scan", source, "--case", numberless, "--no-progress", "--workers", "0")
    result = run_cli("scan", source, "--case", numberless, "--repo", url, "--rescan", expect=2)
    assert "has no case number" in result.output
    run_cli("report", numberless, "-o", tmp_path / "r.html")  # never compared: no such section
    assert "seen-in-other-cases" not in report_sections((tmp_path / "r.html").read_text())


def test_an_address_that_is_not_a_repository_is_refused_before_the_scan(tmp_path):
    pytest.importorskip("psycopg")
    result = run_cli("scan", tmp_path, "--case", tmp_path / "case", "--repo", tmp_path / "none.sqlite", expect=2)
    assert "no repository there" in result.output and not (tmp_path / "case").exists()
