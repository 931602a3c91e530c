"""The CLI as a user meets it: exit codes, one-line errors, the launchers (exports: tests/exports)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import export_records

ROOT = Path(__file__).resolve().parents[2]


def test_missing_evidence_is_a_one_line_error_with_status_2(cli, tmp_path):
    result = cli("scan", tmp_path / "nope.E01", "--case", tmp_path / "case", expect=2)
    assert "no such file" in result.stderr
    assert "Traceback" not in result.output


def test_a_file_that_is_not_an_image_is_refused(cli, tmp_path):
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 5000)
    result = cli("scan", junk, "--case", tmp_path / "case", expect=2)
    assert "not a disk image" in result.stderr and "sectors" in result.stderr
    document = tmp_path / "notes.img"
    document.write_bytes(b"meeting notes, not a disk\n" * 2048)  # 53,248 bytes: whole sectors
    result = cli("scan", document, "--case", tmp_path / "case2", expect=2)
    assert "its content is text/" in result.stderr


def test_a_disk_image_too_damaged_to_read_is_a_warning_not_a_refusal(cli, tmp_path):
    """Whole sectors of unrecognisable bytes: a wiped or damaged disk, not a user error."""
    import random

    image = tmp_path / "wiped.dd"
    image.write_bytes(random.Random(1).randbytes(64 * 512))
    result = cli("scan", image, "--case", tmp_path / "case", "--no-progress")
    assert "no partition table or file system recognised" in result.stderr


def test_export_of_a_folder_that_is_not_a_case(cli, tmp_path):
    assert "not a forensix case" in cli("export", tmp_path, expect=2).stderr


def test_launchers_behave_the_same(tmp_path):
    outs = []
    for argv in ([sys.executable, "forensix.py", "--version"], [sys.executable, "-m", "forensix", "--version"]):
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and "forensix, version" in outs[0]


def test_a_damaged_case_database_is_a_one_line_user_error(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    (case / "case.sqlite").write_bytes(b"this is not sqlite" * 100)
    proc = subprocess.run([sys.executable, "forensix.py", "export", str(case)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "cannot be read" in proc.stderr and proc.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("debug", ["", "1"])
def test_internal_errors_show_a_traceback_only_in_debug(monkeypatch, capsys, debug):
    """An unexpected exception ends with one line and status 70; FORENSIX_DEBUG=1 adds the traceback."""
    import forensix.cli as cli_module
    from forensix.cli import export

    def broken(*args, **kwargs):
        raise RuntimeError("a defect")

    monkeypatch.setenv("FORENSIX_DEBUG", debug)
    monkeypatch.setattr(export.command, "callback", broken)
    monkeypatch.setattr(sys, "argv", ["forensix", "export", "x"])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    assert exit_info.value.code == 70
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: a defect" in err
    assert ("Traceback" in err) == bool(debug)


def test_rescanning_the_same_evidence_does_not_duplicate_records(cli, tmp_path, evidence_fixtures):
    image = evidence_fixtures.evidence("fat16")
    case = tmp_path / "case"
    cli("scan", *image, "--case", case, "--no-progress")
    first = export_records(case)
    cli("scan", *image, "--case", case, "--no-progress")
    second = export_records(case)
    assert len(first) == len(second) > 0
    assert [r["sha256"] for r in first] == [r["sha256"] for r in second]


def test_keywords_example_plugin_finds_terms_across_encodings_and_chunks(cli, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"x" * ((1 << 20) - 3) + b"RANSOM note")  # straddles the 1 MiB chunk
    (folder / "b.txt").write_bytes("meet at the Harbour".encode("utf-16-le"))
    case = tmp_path / "case"
    cli("scan", folder, "--case", case, "--no-progress", "--enable-plugin", "keywords",
        "--option", "keywords=ransom,harbour")
    by_name = {r["name"]: r for r in export_records(case)}
    assert by_name["a.txt"]["keywords"] == [{"term": "ransom", "offset": (1 << 20) - 3}]
    assert by_name["b.txt"]["keywords"] == [{"term": "harbour", "offset": 24}]


def test_control_characters_from_evidence_never_reach_the_terminal():
    from forensix.cli.console import printable

    assert printable("a\x1b[2Jb\rc\u202etxt.exe\n") == "a\\x1b[2Jb\\x0dc\\u202etxt.exe\n"
    assert printable("plain name.txt") == "plain name.txt"


def test_a_case_inside_folder_evidence_is_refused(cli, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    result = cli("scan", folder, "--case", folder / "case", expect=2)
    assert "inside the evidence folder" in result.stderr
    assert not (folder / "case").exists()


@pytest.mark.parametrize("choice, start, end", [("both", True, True), ("start", True, False), ("none", False, False)])
def test_media_hash_passes(cli, tmp_path, evidence_fixtures, choice, start, end):
    import hashlib
    import sqlite3

    image = evidence_fixtures.evidence("fat12")[0]
    case = tmp_path / "case"
    cli("scan", image, "--case", case, "--no-progress", "--media-hash", choice)
    row = sqlite3.connect(case / "case.sqlite").execute("SELECT sha256, end_sha256 FROM evidence").fetchone()
    whole = hashlib.sha256(Path(image).read_bytes()).hexdigest()
    assert row == (whole if start else None, whole if end else None)


def test_fat_times_do_not_depend_on_the_examiners_time_zone(tmp_path, evidence_fixtures):
    """FAT stores local time without a zone; the same image must give the same
    times on a laptop in Berlin and one in New York."""
    import os

    image = evidence_fixtures.evidence("fat16")[0]
    mtimes = []
    for zone in ("Europe/Berlin", "America/New_York"):
        case = tmp_path / zone.replace("/", "_")
        env = {**os.environ, "TZ": zone}
        for argv in (["scan", str(image), "--case", str(case), "--no-progress", "--media-hash", "none"],
                     ["export", str(case)]):
            proc = subprocess.run([sys.executable, "forensix.py", *argv], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr
        mtimes.append(sorted(json.loads(line)["mtime"] for line in proc.stdout.splitlines()))
    assert mtimes[0] == mtimes[1] and mtimes[0][0]


def test_version_and_usage_errors_keep_their_exit_codes(monkeypatch, capsys):
    import forensix.cli as cli_module

    for argv, code in ((["--version"], 0), (["scan"], 2), (["nosuchcommand"], 2)):
        monkeypatch.setattr(sys, "argv", ["forensix", *argv])
        with pytest.raises(SystemExit) as exit_info:
            cli_module.main()
        assert exit_info.value.code == code, argv


def test_folder_evidence_never_opens_fifos_or_follows_links(cli, tmp_path):
    import os

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "real.txt").write_text("x")
    os.mkfifo(folder / "pipe")
    (folder / "link").symlink_to("/etc/passwd")
    result = cli("scan", folder, "--case", tmp_path / "case", "--no-progress")
    assert "special file" in result.stderr and "symbolic link to /etc/passwd, listed, not read" in result.stderr
    assert [r["name"] for r in export_records(tmp_path / "case")] == ["real.txt"]


def test_console_never_cuts_a_sha256_and_counts_in_words(cli, tmp_path):
    """On an 80-column terminal (CliRunner's), the tables grow rather than cut a hash."""
    import hashlib
    import re

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    case = tmp_path / "case"
    cli("scan", folder, "--case", case, "--no-progress")
    shown = cli("case", "show", case).output
    sha256 = re.search(r"SHA-256\s+│\s+([0-9a-f]+)", shown).group(1)
    assert len(sha256) == 64 and "…" not in shown
    listed = tmp_path / "one.md5"
    listed.write_text(f"{hashlib.md5(b'x').hexdigest()}  a.txt\n")
    out = cli("hashset", "import", listed, "--name", "one").output
    assert "imported 1 entry as 'one'" in out and "1 entries" not in out
    info = cli("hashset", "info", "one").output
    assert hashlib.sha256(listed.read_bytes()).hexdigest() in info and "…" not in info
    assert "one  known-bad  plain  1 entry  imported" in cli("hashset", "list").output


@pytest.mark.parametrize("argv", [[], ["case"], ["hashset"]])
def test_command_lists_are_not_cut_off(cli, argv):
    out = cli(*argv, "--help").output
    commands = out[out.index("Commands:"):]
    assert "..." not in commands


def test_case_init_options_explain_themselves(cli):
    out = cli("case", "init", "--help").output
    for option in ("--case-number", "--examiner", "--agency", "--title"):
        line = next(line for line in out.splitlines() if line.strip().startswith(option))
        assert len(line.split(maxsplit=2)) == 3, line  # option, metavar, help text


def test_an_evidence_name_with_terminal_escapes_and_markup_prints_escaped(corpus, tmp_path):
    """The progress display and every message show evidence names with control characters
    escaped and rich markup as text: a name cannot retitle the window or clear the screen."""
    name = "ev\x1b]0;pwned\x07x\x1b[2J[bold red]y.raw"
    image = tmp_path / name
    shutil.copyfile(corpus / "images" / "fat32_suspect.raw", image)
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "160"}  # the live progress display, as on a terminal
    proc = subprocess.run([sys.executable, "forensix.py", "scan", str(image), "--case", str(tmp_path / "case")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "\x1b]0;" not in proc.stderr and "\x1b[2J" not in proc.stderr and "\x07" not in proc.stderr
    assert r"ev\x1b]0;pwned\x07x\x1b[2J[bold red]y.raw" in proc.stderr
