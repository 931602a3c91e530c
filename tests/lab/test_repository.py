"""The central repository: two cases that share a file and an e-mail address see each other
through it, on PostgreSQL (as the lab's roles allow) and on a SQLite file."""
from __future__ import annotations

import hashlib
import io
import itertools
import json
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


def case(folder: Path, number: str, agency: str = "Lab Unit") -> Path:
    run_cli("case", "init", folder, "--case-number", number, "--examiner", "DC Test", "--agency", agency)
    return folder


def scan(source: Path, case_dir: Path, exhibit: str, *extra: object, expect: int = 0):
    return run_cli("scan", source, "--case", case_dir, "--exhibit", exhibit, "--no-progress", "--media-hash", "none",
                   "--workers", "0", *extra, expect=expect)


def seen(case_dir: Path) -> dict[str, list[tuple]]:
    return {r["path"]: [(s["kind"], s["value"], s["case_number"], s["exhibit"], s["path"]) for s in r["seen_in"]]
            for r in export_records(case_dir) if "seen_in" in r}


def seen_where(case_dir: Path) -> dict[str, list[tuple]]:
    """Each record's ``seen_in`` as (case number, agency, exhibit, path): where, not what."""
    return {r["path"]: [(s["case_number"], s["agency"], s["exhibit"], s["path"]) for s in r["seen_in"]]
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
    assert "2 files seen in other cases: 2026/101 (Lab Unit)" in second.output
    holiday = next(r for r in export_records(case_a) if r["name"] == "holiday.jpg.bin")
    digest, pdq = holiday["sha256"], holiday["pdq"]["hash"]  # the same picture: its PDQ hash too
    assert seen(case_b) == {"/copy.dat": [("sha256", digest, "2026/101", "A/1", "/holiday.jpg.bin"),
                                          ("pdq", pdq, "2026/101", "A/1", "/holiday.jpg.bin")],
                            "/mail.eml": [("email", "carol@example.net", "2026/101", "A/1", "/note.txt")]}
    assert seen(case_a) == {}  # it learns of the later case when compared again
    again = run_cli("repo", "add", case_a, "--repo", repo.url)
    assert "2 files seen in other cases: 2026/202 (Lab Unit)" in again.output
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
    assert "case 2026/202 (Lab Unit), B/1" in report and "/copy.dat" in report and "carol@example.net" in report
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
        assert "may only read" in third.output and ": 2026/101 (Lab Unit), 2026/202 (Lab Unit)" in third.output
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


def test_two_cases_sharing_a_number_keep_their_own_sightings_and_see_each_other(repo, tmp_path):
    """Two agencies both number a case "2026-001", each with an exhibit "1": two cases, never one."""
    shared = b"the same file, seized by two forces\n"
    north = case(tmp_path / "north", "2026-001", "North Police")
    south = case(tmp_path / "south", "2026-001", "South Police")
    scan(evidence(tmp_path / "n", {"shared.txt": shared, "mine.txt": b"only the north's\n"}), north, "1",
         "--repo", repo.url)
    second = scan(evidence(tmp_path / "s", {"copy.txt": shared, "mine.txt": b"only the south's\n"}), south, "1",
                  "--repo", repo.url)
    assert "1 files seen in other cases: 2026-001 (North Police)" in second.output
    assert "other cases share its number, kept apart from it: 2026-001 (North Police)" in second.output
    assert seen_where(south) == {"/copy.txt": [("2026-001", "North Police", "1", "/shared.txt")]}
    again = run_cli("repo", "add", north, "--repo", repo.url)
    assert "2026-001 (South Police)" in again.output
    assert seen_where(north) == {"/shared.txt": [("2026-001", "South Police", "1", "/copy.txt")]}
    # neither add replaced the other's exhibit "1": a third case sees both cases' own files
    third = case(tmp_path / "third", "2026-002")
    scan(evidence(tmp_path / "t", {"a.txt": b"only the north's\n", "b.txt": b"only the south's\n"}), third, "X",
         "--repo", repo.url)
    assert seen_where(third) == {"/a.txt": [("2026-001", "North Police", "1", "/mine.txt")],
                                 "/b.txt": [("2026-001", "South Police", "1", "/mine.txt")]}
    run_cli("report", north, "-o", tmp_path / "north.html")
    report = report_sections((tmp_path / "north.html").read_text())["seen-in-other-cases"]
    assert "case 2026-001 (South Police), 1" in report
    compared = [json.loads(a["details"]) for a in actions(north) if a["action"] == "repository compared"][-1]
    assert compared["same_number_cases"] == ["2026-001 (South Police)"] and compared["case_id"] == case_id(north)
    assert case_id(north) != case_id(south)


def test_the_same_case_and_a_copy_of_its_folder_replace_their_own_sightings(repo, tmp_path):
    source = evidence(tmp_path / "ev", {"first.txt": b"first version\n"})
    original = case(tmp_path / "case", "2026/5")
    scan(source, original, "1", "--repo", repo.url)
    copy = tmp_path / "copy-of-case"
    shutil.copytree(original, copy)  # handed to a colleague: the same case, not another of the same number
    assert case_id(copy) == case_id(original)
    assert f"case identity {case_id(copy)} as log entry 1 gave it" in run_cli("verify", copy).output
    forged = tmp_path / "forged"  # an identity edited in would file sightings under another case: verify says so
    shutil.copytree(original, forged)
    with sqlite3.connect(forged / "case.sqlite") as db:
        db.execute("UPDATE case_info SET value='00000000-0000-4000-8000-000000000000' WHERE key='case_id'")
    failed = run_cli("verify", forged, expect=1).output
    assert f"identity is 00000000-0000-4000-8000-000000000000, not {case_id(original)} as log entry 1" in failed
    added = run_cli("repo", "add", copy, "--repo", repo.url)
    assert "0 files seen in other cases" in added.output and "share its number" not in added.output
    (source / "first.txt").unlink()
    (source / "second.txt").write_bytes(b"second version\n")
    scan(source, copy, "1", "--repo", repo.url, "--rescan")
    again = run_cli("repo", "add", original, "--repo", repo.url)  # the original, added again: still one case
    assert "share its number" not in again.output
    other = case(tmp_path / "other", "2026/6")
    scan(evidence(tmp_path / "o", {"a.txt": b"first version\n", "b.txt": b"second version\n"}), other, "O",
         "--repo", repo.url)
    assert seen_where(other) == {"/a.txt": [("2026/5", "Lab Unit", "1", "/first.txt")]}  # the last add's only


V1_SCHEMA = [  # the repository as forensix 0.x with schema 1 made it: cases told apart by number alone
    "CREATE TABLE forensix_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE forensix_cases(id {serial}, case_number TEXT UNIQUE NOT NULL, agency TEXT, added_at TEXT NOT NULL)",
    "CREATE TABLE forensix_sightings(case_id {ref} NOT NULL REFERENCES forensix_cases(id) ON DELETE CASCADE,"
    " exhibit TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, path TEXT NOT NULL, copies INTEGER NOT NULL,"
    " scanned_at TEXT)",
    "CREATE INDEX forensix_sightings_value ON forensix_sightings(kind, value)",
    "CREATE INDEX forensix_sightings_case ON forensix_sightings(case_id, exhibit)",
    "INSERT INTO forensix_meta VALUES('schema_version', '1'), ('created_at', '2026-01-05T10:00:00.000000Z')",
    "INSERT INTO forensix_cases(case_number, agency, added_at) VALUES('2026/7', 'Lab Unit', '2026-01-06T10:00:00Z'),"
    " ('2026/8', 'Other Unit', '2026-01-07T10:00:00Z')",
    "INSERT INTO forensix_sightings VALUES(1, '1', 'sha256', '{kept}', '/kept.txt', 1, '2026-01-06T09:00:00Z'),"
    " (1, '1', 'sha256', '{gone}', '/gone.txt', 1, '2026-01-06T09:00:00Z'),"
    " (2, 'E', 'sha256', '{kept}', '/their.txt', 1, '2026-01-07T09:00:00Z')",
]


def old_case(folder: Path, number: str, agency: str) -> Path:
    """A case as an earlier forensix's ``case init`` made it: details and their log entry, no identity."""
    from forensix.case.store import CaseStore

    store = CaseStore.open(folder, create=True)
    details = {"case_number": number, "examiner": "DC Test", "agency": agency}
    store.set_info(**details)
    store.log_action("case created", **details)
    store.close()
    return folder


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_old_repository_and_an_old_case_are_brought_up_to_date(kind, request, tmp_path):
    kept, gone = (hashlib.sha256(data).hexdigest() for data in (b"kept\n", b"gone\n"))
    statements = [s.format(kept=kept, gone=gone, serial="{serial}", ref="{ref}") for s in V1_SCHEMA]
    if kind == "sqlite":
        url = owner = str(tmp_path / "old.sqlite")
        with sqlite3.connect(url) as db:
            for statement in statements:
                db.execute(statement.format(serial="INTEGER PRIMARY KEY", ref="INTEGER"))
        db.close()
    else:
        postgres = request.getfixturevalue("postgres")
        database = f"repo{next(_databases)}"
        postgres.sql(f"CREATE DATABASE {database}")
        owner = postgres.superuser_url(database)
        for statement in [*statements, "GRANT SELECT, INSERT, UPDATE, DELETE ON forensix_meta, forensix_cases,"
                          " forensix_sightings TO examiner", "GRANT USAGE, SELECT ON SEQUENCE forensix_cases_id_seq"
                          " TO examiner"]:
            postgres.sql(statement.format(serial="BIGSERIAL PRIMARY KEY", ref="BIGINT"), database)
        url = postgres.url("examiner", DB_PASSWORD, database)
    source = evidence(tmp_path / "ev", {"kept.txt": b"kept\n", "new.txt": b"new\n"})
    old = old_case(tmp_path / "case", "2026/7", "Lab Unit")
    if url != owner:  # on PostgreSQL only the tables' owner may change them: the examiner is told who does
        refused = scan(source, old, "1", "--repo", url, expect=2)
        assert "made by an earlier forensix (schema 1)" in refused.output and "repo init" in refused.output
        assert "brought up to date in place" in run_cli("repo", "init", owner).output
    result = scan(source, old, "1", "--repo", url)
    assert "what an earlier forensix added under this case's number and agency is now this case's" in result.output
    assert "share its number" not in result.output
    given = [json.loads(a["details"]) for a in actions(old) if a["action"] == "case identity given"]
    assert [g["case_id"] for g in given] == [case_id(old)]
    # its own earlier rows are its own (not another case), replaced; the other old case is still there
    assert seen_where(old) == {"/kept.txt": [("2026/8", "Other Unit", "E", "/their.txt")]}
    assert "action log intact" in run_cli("verify", old).output
    namesake = case(tmp_path / "namesake", "2026/7", "Other Unit")  # same number, another agency: another case
    later = scan(evidence(tmp_path / "ev2", {"x.txt": b"new\n", "y.txt": b"gone\n"}), namesake, "1",
                 "--repo", url)
    assert "other cases share its number, kept apart from it: 2026/7 (Lab Unit)" in later.output
    assert seen_where(namesake) == {"/x.txt": [("2026/7", "Lab Unit", "1", "/new.txt")]}  # "gone" was replaced
    assert "brought up to date" not in run_cli("repo", "init", owner).output  # once only


def actions(case_dir: Path) -> list[sqlite3.Row]:
    with sqlite3.connect(case_dir / "case.sqlite") as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT action, details FROM actions ORDER BY seq").fetchall()


def case_id(case_dir: Path) -> str:
    with sqlite3.connect(case_dir / "case.sqlite") as db:
        return db.execute("SELECT value FROM case_info WHERE key='case_id'").fetchone()[0]
