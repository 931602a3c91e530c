"""The hashset command, the hashmatch plugin, and every corpus set against the truth."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import run_cli

from forensix.hashsets import HashSetError, build_index, list_hashsets, open_hashset
from forensix.records import Digests
from forensix.scanconfig import ScanConfig

CORPUS_SETS = ("known_bad.vics.json", "known_bad.md5.txt", "known_bad.hashdeep.txt", "nsrl_minimal.db", "NSRLFile.txt")
NSRL = ("nsrl_minimal.db", "NSRLFile.txt")


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FORENSIX_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _md5sum(tmp_path: Path, *contents: bytes) -> Path:
    path = tmp_path / "bad.md5"
    path.write_text("".join(f"{hashlib.md5(c).hexdigest()}  f{i}\n" for i, c in enumerate(contents)) + "xyz  junk\n")
    return path


def test_cli_import_list_info(tmp_path, home):
    src = _md5sum(tmp_path, b"one", b"two")
    out = run_cli("hashset", "import", src, "--name", "unit", "--kind", "alert").output
    assert "imported 2 entries as 'unit', 1 rejected" in out
    assert "line 3" in out  # the rejected line is named
    assert (home / "hashsets" / "unit" / "manifest.json").is_file()
    assert "unit  alert  plain  2 entries" in run_cli("hashset", "list").output
    info = run_cli("hashset", "info", "unit").output
    assert "alert" in info and "md5 2" in info
    assert "no imported hash set named 'nope'" in run_cli("hashset", "info", "nope", expect=2).output
    bad = tmp_path / "bad.txt"
    bad.write_text("hello\n")
    assert "unknown hash set format" in run_cli("hashset", "import", bad, expect=2).output


def test_a_set_given_by_path_is_indexed_once_in_the_library_not_in_each_case(tmp_path, home):
    src = _md5sum(tmp_path, b"one")
    run_cli("hashset", "import", src, "--name", "lib")
    assert open_hashset("lib", tmp_path / "case").name == "lib"
    first = open_hashset(str(src), tmp_path / "case")
    assert first.path == home / "hashsets" / "_by-sha256" / hashlib.sha256(src.read_bytes()).hexdigest()
    assert not (tmp_path / "case").exists()
    stamp = (first.path / "manifest.json").stat().st_mtime_ns
    assert open_hashset(str(src), tmp_path / "other-case").path == first.path
    assert (first.path / "manifest.json").stat().st_mtime_ns == stamp  # not imported again
    assert [hs.name for hs in list_hashsets()] == ["lib"]  # the keyed indexes are not named sets
    with pytest.raises(HashSetError, match="neither an imported set"):
        open_hashset("missing-set", tmp_path / "case")


def test_a_case_from_an_earlier_forensix_keeps_its_own_index(tmp_path, home):
    src = _md5sum(tmp_path, b"one")
    sha256 = hashlib.sha256(src.read_bytes()).hexdigest()
    old = build_index(src, tmp_path / "case" / "hashsets" / sha256, name=src.name, source_sha256=sha256)
    assert open_hashset(str(src), tmp_path / "case").path == old.path
    assert not (home / "hashsets" / "_by-sha256").exists()


def test_a_scan_with_a_set_file_leaves_no_index_in_the_case(tmp_path, home):
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"one")
    run_cli("scan", folder, "--case", tmp_path / "case", "--hashset", _md5sum(tmp_path, b"one"), "--no-progress")
    assert not (tmp_path / "case" / "hashsets").exists()
    assert len(list((home / "hashsets" / "_by-sha256").iterdir())) == 1


def test_a_garbage_hash_set_leaves_no_case_behind(tmp_path, home):
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"one")
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"\x00\x01 not a hash set \xff\n" * 40)
    result = run_cli("scan", folder, "--case", tmp_path / "case", "--hashset", garbage, "--no-progress", expect=2)
    assert "garbage.txt" in result.stderr
    assert not (tmp_path / "case").exists()


class _Store:
    def __init__(self) -> None:
        self.sets: list[tuple] = []

    def record_hashset(self, *args) -> None:
        self.sets.append(args)


def test_plugin_configure_and_analyze(tmp_path, home):
    from plugins import hashmatch

    src = _md5sum(tmp_path, b"bad")
    store = _Store()
    hashmatch.forensix_configure(ScanConfig(case_dir=tmp_path / "case", store=store, hashsets=(str(src),)))
    assert store.sets[0][:3] == ("bad.md5", "known-bad", "plain") and store.sets[0][5] == 1
    analyzer = hashmatch.forensix_file_analyzer(entry=None, head=b"")
    assert analyzer.key == "hash_matches"

    def digests(data: bytes) -> Digests:
        return Digests(hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
                       hashlib.sha256(data).hexdigest(), len(data))

    hit = analyzer.finish(digests(b"bad"))
    assert hit.data == [{"set": "bad.md5", "kind": "known-bad", "category": None, "alert": True, "media_id": None,
                        "match": "exact"}]
    assert [(f.kind, f.value) for f in hit.findings] == [("hash_alert", hashlib.sha256(b"bad").hexdigest())]
    miss = hashmatch.forensix_file_analyzer(entry=None, head=b"").finish(digests(b"good"))
    assert miss.data == [] and miss.findings == ()
    hashmatch.forensix_configure(ScanConfig(case_dir=tmp_path / "case", store=store))
    assert hashmatch.forensix_file_analyzer(entry=None, head=b"") is None  # no sets, no analyzer
    with pytest.raises(HashSetError):
        hashmatch.forensix_configure(ScanConfig(case_dir=tmp_path / "case", store=store, hashsets=("nope",)))


@pytest.mark.parametrize("name", CORPUS_SETS)
def test_corpus_sets_match_truth(corpus, truth, tmp_path, home, name):
    hs = open_hashset(str(corpus / "hashsets" / name), tmp_path / "case")
    assert hs.rejected == 0
    for group in ("known_bad", "known_good"):
        for path, f in truth[group].items():
            matches = hs.lookup(f["md5"], f["sha1"], f["sha256"])
            alerts = [m for m in matches if m["alert"]]
            if group == "known_bad" and name not in NSRL:
                assert alerts, (name, path)
            else:
                assert not alerts, (name, path)
            if group == "known_good" and name in NSRL:
                assert matches and all(m["kind"] == "known-good" for m in matches), (name, path)
    # across every file of every image: alerts exactly on the known-bad content
    bad = set() if name in NSRL else {f["sha256"] for f in truth["known_bad"].values()}
    files = [f for image in truth["images"].values() for f in image.get("files", ()) if f.get("md5")]
    alerted = {f["sha256"] for f in files if any(m["alert"] for m in hs.lookup(f["md5"], None, f["sha256"]))}
    assert alerted == bad & {f["sha256"] for f in files}


def test_each_set_used_is_logged_with_its_sha256(corpus, tmp_path):
    import json
    import sqlite3

    vics = corpus / "hashsets" / "known_bad.vics.json"
    case = tmp_path / "case"
    run_cli("scan", corpus / "images" / "ext2.E01", "--case", case, "--hashset", vics, "--no-progress")
    rows = sqlite3.connect(case / "case.sqlite").execute(
        "SELECT details FROM actions WHERE action='hash set loaded'").fetchall()
    assert [json.loads(d)["source_sha256"] for (d,) in rows] == [hashlib.sha256(vics.read_bytes()).hexdigest()]
