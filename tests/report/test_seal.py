"""Sealed records: the log entry closing a scan carries a digest over what the scan
produced, so every tampering a defence expert might allege (a changed digest, a
deleted alert, deleted warnings, zeroed or swapped evidence hashes, bytes that are
not text) makes ``verify`` exit 1 and name the record and field that changed."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from helpers import report_sections, run_cli

KNOWN = b"known material stand-in\n"


def _folder(root: Path, name: str, text: str) -> Path:
    folder = root / name
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text(f"{text}: meet at 198.51.100.7, mail x@example.org\n")
    (folder / "known.bin").write_bytes(KNOWN)
    (folder / "sub" / "other.txt").write_text(f"nothing here in {name}\n")
    (folder / "link").symlink_to("notes.txt")  # listed, not read: a scan warning
    return folder


@pytest.fixture()
def known_list(tmp_path: Path) -> Path:
    path = tmp_path / "known.md5"
    path.write_text(f"{hashlib.md5(KNOWN).hexdigest()}  known.bin\n")
    return path


@pytest.fixture()
def case(tmp_path: Path, known_list: Path) -> Path:
    case = tmp_path / "case"
    run_cli("scan", _folder(tmp_path, "usb", "first"), "--case", case, "--exhibit", "JS/1", "--hashset",
            known_list, "--no-progress")
    return case


def _db(case: Path) -> sqlite3.Connection:
    return sqlite3.connect(case / "case.sqlite", isolation_level=None)


def _inode(case: Path, path: str) -> str:
    return _db(case).execute("SELECT inode FROM file_rows WHERE path=?", (path,)).fetchone()[0]


def _seal_entry(case: Path) -> tuple[int, dict]:
    seq, details = _db(case).execute("SELECT seq, details FROM actions WHERE action='evidence scan completed'"
                                     " ORDER BY seq DESC").fetchone()
    return seq, json.loads(details)


def _failed(case: Path) -> str:
    result = run_cli("verify", case, expect=1)
    assert "Traceback" not in result.output
    return result.output


def test_an_untouched_case_verifies_its_sealed_records(case: Path) -> None:
    seq, details = _seal_entry(case)
    out = run_cli("verify", case).output
    assert (f"JS/1: records intact: 3 files, 3 findings, 1 warning, 1 volume as sealed by log entry {seq}"
            f" (seal {details['seal']['sha256']})") in out


def test_the_seal_is_the_documented_recipe(case: Path) -> None:
    """Recomputed from the database alone, as the README tells a defence expert to."""
    _, details = _seal_entry(case)
    seal = details["seal"]
    db = sqlite3.connect(case / "case.sqlite")
    db.text_factory = bytes
    queries = re.findall(r"^    (SELECT .*)$", (Path(__file__).parents[2] / "README.md").read_text(), re.MULTILINE)
    assert len(queries) == 5

    def field(v):
        v = v if v is None or isinstance(v, bytes) else str(v).encode()
        return b"~," if v is None else b"%d:%s," % (len(v), v)

    params = {"evidence": details["evidence_id"], "scan": details["scan"], "warnings_upto": seal["warnings_upto"]}
    digests = []
    for query in queries:
        h = hashlib.sha256()
        for row in db.execute(query, params):
            h.update(b"".join(map(field, row)) + b"\n")
        digests.append(h.hexdigest())
    names = ("evidence", "volumes", "warnings", "files", "findings")  # the log keeps its keys sorted
    assert digests == [seal["sections"][name] for name in names]
    assert hashlib.sha256("".join(digests).encode()).hexdigest() == seal["sha256"]
    assert seal["rows"] == {"evidence": 1, "volumes": 1, "warnings": 1, "files": 3, "findings": 3}


def test_a_changed_file_sha256_is_named(case: Path) -> None:
    _db(case).execute("UPDATE file_rows SET sha256=? WHERE path='/notes.txt'", ("0" * 64,))
    out = _failed(case)
    assert f"JS/1: file /notes.txt (inode {_inode(case, '/notes.txt')}): sha256 changed since its scan was" \
           " sealed (log entry" in out


def test_a_deleted_alert_finding_row_is_named(case: Path) -> None:
    db = _db(case)
    assert db.execute("DELETE FROM finding_rows WHERE kind='hash_alert'").rowcount == 1
    out = _failed(case)
    assert f"JS/1: file /known.bin (inode {_inode(case, '/known.bin')}): 1 hash_alert finding from hashmatch gone" in out


def test_a_deleted_alert_file_row_is_named(case: Path) -> None:
    inode = _inode(case, "/known.bin")
    _db(case).execute("DELETE FROM file_rows WHERE alert=1")
    out = _failed(case)
    assert f"JS/1: file /known.bin (inode {inode}): missing: log entry" in out
    assert "the case no longer holds it" in out


def test_deleted_warnings_are_named(case: Path) -> None:
    (message,) = _db(case).execute("SELECT message FROM warning_rows").fetchone()
    _db(case).execute("DELETE FROM warning_rows")
    out = _failed(case)
    assert "JS/1: warning 1 (" in out and message in out and "missing: deleted since its scan was sealed" in out


def test_a_changed_volume_is_named(case: Path) -> None:
    _db(case).execute("UPDATE volume_rows SET description='nothing here', label='EMPTY'")
    assert "JS/1: volume at byte 0: description, label changed since its scan was sealed" in _failed(case)


def test_zeroed_evidence_hashes_are_named(case: Path) -> None:
    _, details = _seal_entry(case)
    _db(case).execute("UPDATE evidence SET md5=?, sha1=?, sha256=?", ("0" * 32, "0" * 40, "0" * 64))
    out = _failed(case)
    assert f"JS/1: evidence item: sha256 is now {'0' * 64}, log entry" in out
    assert f"sealed {details['seal']['evidence']['sha256']}" in out and "md5 is now" in out
    result = run_cli("verify-evidence", case, expect=1)
    assert "the case's evidence record was changed after the scan" in result.output
    assert "JS/1: match: same as log entry" in result.output  # the media still matches the sealed hash


def test_swapped_evidence_path_and_hashes_fail_both_checks(case: Path, tmp_path: Path, known_list: Path) -> None:
    run_cli("scan", _folder(tmp_path, "card", "second"), "--case", case, "--exhibit", "JS/2", "--hashset",
            known_list, "--no-progress")
    db = _db(case)
    rows = db.execute("SELECT id, path, md5, sha1, sha256 FROM evidence ORDER BY id").fetchall()
    db.execute("UPDATE evidence SET path=path || '.tmp'")
    for (evidence_id, *_), (_, *other) in zip(rows, reversed(rows)):
        db.execute("UPDATE evidence SET path=?, md5=?, sha1=?, sha256=? WHERE id=?", (*other, evidence_id))
    out = _failed(case)
    assert f"JS/1: evidence item: path is now {rows[1][1]}, log entry" in out
    assert f"JS/2: evidence item: sha256 is now {rows[0][4]}" in out
    out = run_cli("verify-evidence", case, expect=1).output
    assert out.count("the case's evidence record was changed after the scan") == 2


def test_bytes_that_are_not_text_in_a_record_are_named_not_a_crash(case: Path) -> None:
    inode = _inode(case, "/sub/other.txt")
    _db(case).execute("UPDATE file_rows SET path=CAST(x'2f7375622fff' AS TEXT) WHERE path='/sub/other.txt'")
    out = _failed(case)
    assert f"(inode {inode}): path changed since its scan was sealed" in out


def test_a_log_entry_holding_bytes_that_are_not_text_fails(case: Path) -> None:
    db = _db(case)
    seq, details = db.execute("SELECT seq, details FROM actions WHERE action='evidence scan completed'").fetchone()
    db.execute("UPDATE actions SET details=CAST(? AS TEXT) WHERE seq=?", (details.encode() + b"\xff", seq))
    out = _failed(case)
    assert f"log entry {seq} (" in out and "not UTF-8" in out


def test_a_seal_edited_in_the_log_is_named_not_a_crash(case: Path) -> None:
    db = _db(case)
    seq, details = db.execute("SELECT seq, details FROM actions WHERE action='evidence scan completed'").fetchone()
    edited = json.loads(details)
    del edited["seal"]["warnings_upto"]
    db.execute("UPDATE actions SET details=? WHERE seq=?", (json.dumps(edited), seq))
    out = _failed(case)
    assert f"JS/1: log entry {seq} holds a seal that cannot be read" in out and "altered" in out
    assert "JS/1: the case's evidence record" not in run_cli("verify-evidence", case, expect=1).output


def test_without_its_list_the_seal_still_says_what_section_changed(case: Path) -> None:
    shutil.rmtree(case / "seals")
    _db(case).execute("DELETE FROM finding_rows WHERE kind='email'")
    out = _failed(case)
    assert "JS/1: its findings changed since its scan was sealed" in out and "is not in the case folder" in out


def test_a_report_carries_its_seal_and_says_altered_records_on_its_cover(case: Path, tmp_path: Path) -> None:
    _, details = _seal_entry(case)
    run_cli("report", case, "-o", case / "REPORT.html")
    html = (case / "REPORT.html").read_text()
    assert f'<meta name="forensix-seal" content="{details["scan"]}:{details["seal"]["sha256"]}">' in html
    assert "ALTERED" not in html
    _db(case).execute("DELETE FROM finding_rows WHERE kind='hash_alert'")
    run_cli("report", case, "-o", case / "LATER.html")
    sections = report_sections((case / "LATER.html").read_text())
    assert "ALTERED: the records of JS/1 no longer match the seal" in sections["cover"]
    assert "hash_alert finding from hashmatch gone" in sections["integrity"]
    out = _failed(case)
    assert f"{case / 'REPORT.html'}: intact" in out
    assert f"{case / 'LATER.html'}: report" in out and "did not match their seal" in out


def test_a_rescan_seals_anew_and_drops_the_old_list(case: Path, tmp_path: Path, known_list: Path) -> None:
    first_seq, first = _seal_entry(case)
    run_cli("scan", tmp_path / "usb", "--case", case, "--exhibit", "JS/1", "--hashset", known_list, "--rescan",
            "--no-progress")
    seq, details = _seal_entry(case)
    assert seq > first_seq and details["scan"] != first["scan"]
    assert [p.name for p in (case / "seals").iterdir()] == [f"scan-{details['scan']}.jsonl.gz"]
    assert f"as sealed by log entry {seq}" in run_cli("verify", case).output
