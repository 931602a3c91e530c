"""Encrypted volumes: unlocked with the password given, which never reaches the case folder,
the log or the console; a wrong one costs a warning, not the scan, that names what was given."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from apfs_locked import lock_apfs
from luks_fixture import build_luks

from helpers import export_records, run_cli

PASSWORD = "Sesame-7f3a9c!"
CONTENT = b"inside the encrypted volume\n"


@pytest.fixture(scope="module")
def luks(tmp_path_factory) -> Path:
    return build_luks(tmp_path_factory.mktemp("luks") / "luks1.raw", PASSWORD, {"note.txt": CONTENT})


def _everything(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_the_right_password_opens_the_volume_and_is_never_written(luks, tmp_path):
    case = tmp_path / "case"
    result = run_cli("scan", luks, "--case", case, "--password", PASSWORD, "--no-progress")
    records = export_records(case)
    note = next(r for r in records if r["path"] == "/note.txt")
    assert note["volume"] == "luks / ext2" and note["size"] == len(CONTENT)
    run_cli("report", case, "-o", case / "REPORT.html")
    run_cli("export", case, "--format", "csv", "-o", case / "files.csv")
    log = run_cli("case", "show", case).output
    for haystack in (_everything(case), result.output.encode(), log.encode(),
                     json.dumps(records).encode()):
        assert PASSWORD.encode() not in haystack
        assert PASSWORD.encode("utf-16-le") not in haystack
    unlocked = [json.loads(a["details"]) for a in _actions(case) if a["action"] == "volume unlocked"]
    assert unlocked == [{"evidence": "luks1.raw", "offset": 0, "secret": "password", "volume": "luks"}]
    html = (case / "REPORT.html").read_text()
    assert "unlocked with password" in html


def test_a_wrong_password_is_a_warning_and_the_scan_finishes(luks, tmp_path):
    result = run_cli("scan", luks, "--case", tmp_path / "case", "--password", "not it", "--no-progress")
    assert "LUKS encrypted volume at byte 0: the password given does not unlock it" in result.output
    assert export_records(tmp_path / "case") == []


def test_without_a_password_the_warning_names_the_option(luks, tmp_path):
    result = run_cli("scan", luks, "--case", tmp_path / "case", "--no-progress")
    assert "LUKS encrypted volume at byte 0: it is locked; give --password to read it" in result.output


def test_a_key_luks_does_not_take_is_named_as_given(luks, tmp_path):
    bek = tmp_path / "key.bek"
    bek.write_bytes(b"startup key bytes")
    result = run_cli("scan", luks, "--case", tmp_path / "case", "--startup-key", bek, "--no-progress")
    assert ("LUKS encrypted volume at byte 0: a startup key does not open it; give --password to read it"
            in " ".join(result.output.split()))


RECOVERY_KEY = "471207-278498-422125-177177-561902-537405-468435-290620"


@pytest.fixture(scope="module")
def locked_apfs(modern: Path, tmp_path_factory) -> Path:
    return lock_apfs(modern / "images" / "apfs.raw", tmp_path_factory.mktemp("apfs") / "locked_apfs.raw")


@pytest.mark.parametrize("given, words", [
    ("password", "the password given does not unlock it"),
    ("recovery key", "the recovery key given does not unlock it"),
    ("startup key", "a startup key does not open it; give --password or --recovery-key to read it"),
    ("nothing", "it is locked; give --password or --recovery-key to read it"),
])
def test_a_locked_apfs_volume_warning_names_what_was_given(locked_apfs, tmp_path, given, words):
    bek = tmp_path / "key.bek"
    bek.write_bytes(b"startup key bytes")
    options = {"password": ["--password", PASSWORD], "recovery key": ["--recovery-key", RECOVERY_KEY],
               "startup key": ["--startup-key", bek], "nothing": []}[given]
    case = tmp_path / "case"
    result = run_cli("scan", locked_apfs, "--case", case, "--no-progress", *options)
    assert f"APFS volume 1 (apfs_test) at byte 0 is encrypted: {words}" in " ".join(result.output.split())
    assert export_records(case) == []
    log = run_cli("case", "show", case).output
    for haystack in (_everything(case), result.output.encode(), log.encode()):
        for secret in (PASSWORD, RECOVERY_KEY, "startup key bytes"):
            assert secret.encode() not in haystack and secret.encode("utf-16-le") not in haystack


def test_a_password_typed_at_the_prompt_is_not_echoed(luks, tmp_path):
    from click.testing import CliRunner

    from forensix.cli import cli

    result = CliRunner().invoke(cli, ["scan", str(luks), "--case", str(tmp_path / "case"), "--password", "-",
                                      "--no-progress"], input=PASSWORD + "\n", catch_exceptions=False)
    assert result.exit_code == 0 and PASSWORD not in result.output
    assert [r["path"] for r in export_records(tmp_path / "case")] == ["/note.txt"]


def _actions(case: Path) -> list:
    from forensix.case.store import CaseStore

    store = CaseStore.open(case, read_only=True)
    try:
        return [dict(a) for a in store.actions()]
    finally:
        store.db.close()
