"""Block parsing and the index layout: the fast paths must agree with the per-line parsers."""
from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from forensix.hashsets import HashEntry, build_index, lineblocks, plainlist
from forensix.hashsets.indexwriter import IndexWriter, write_manifest
from forensix.hashsets.layout import LAYOUT_VERSION
from forensix.hashsets.writequeue import WriteQueue


def _md5(i: int) -> str:
    return hashlib.md5(str(i).encode()).hexdigest()


LONG = "d/" + "n" * (lineblocks.MAX_TEXT + 10)
PLAIN_LINES = [
    f"{_md5(1)}  plain name.jpg",
    f"{_md5(2)} *binary marker.bin",
    f"{hashlib.sha1(b'3').hexdigest()}",
    f"{hashlib.sha256(b'4').hexdigest()}  with  two spaces ",
    f"MD5 (tagged name) = {_md5(5)}",
    f"\\{_md5(6)}  escaped\\nnewline",
    f"{_md5(7)}\ttab separated",
    "# a comment",
    "",
    "   ",
    f"{_md5(8)[:-1]}x  bad hex",
    f"{_md5(9).upper()}  upper case",
    f"{_md5(10)}  {LONG}",
    f"{_md5(11)}",
]


def _expected(lines):
    """What the per-line parser makes of each line: the reference for the block parser."""
    out, rejected = [], []
    for number, line in enumerate(lines, 1):
        try:
            entry = plainlist._line(line)
        except ValueError:
            rejected.append(number)
            continue
        if entry is not None:
            out.append(entry)
    return out, rejected


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("block", [lineblocks.BLOCK, 97])
def test_plain_blocks_agree_with_the_line_parser(tmp_path, monkeypatch, ending, block):
    monkeypatch.setattr(lineblocks, "BLOCK", block)  # 97 bytes: lines cross blocks, one line spans many
    src = tmp_path / "list.txt"
    src.write_bytes(b"\xef\xbb\xbf" + ending.join(PLAIN_LINES).encode())  # BOM, no final line end
    hs = build_index(src, tmp_path / "idx", name="l")
    expected, rejected = _expected(PLAIN_LINES)
    assert (hs.fmt, hs.entries, hs.rejected) == ("plain", len(expected), len(rejected))
    assert [w.split(": ")[1] for w in hs.warnings] == [f"line {n}" for n in rejected]
    for entry in expected:
        algo, digest = next((a, d) for a, d in zip(("md5", "sha1", "sha256"), entry[:3]) if d)
        which, pids = hs.match_many(algo, digest)
        assert len(pids) == 1, entry
        assert hs.describe(int(pids[0]))["name"] == entry.name


def test_hashdeep_sizes_long_names_and_a_bad_row_in_one_block(tmp_path):
    rows = [(i, _md5(i), hashlib.sha256(str(i).encode()).hexdigest(), f"./f{i},x.bin") for i in range(200)]
    rows[50] = (10**17 + 3, rows[50][1], rows[50][2], LONG)
    lines = [f"{size},{m},{s},{name}" for size, m, s, name in rows]
    lines[7] = lines[7].replace(rows[7][2][:2], "zz", 1)  # bad hex: the block's lookup-table path
    src = tmp_path / "h.txt"
    src.write_text("%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n" + "\n".join(lines) + "\n")
    hs = build_index(src, tmp_path / "idx", name="h")
    assert (hs.entries, hs.rejected) == (199, 1)
    assert any("line 10" in w and "invalid hex" in w for w in hs.warnings)
    assert not hs.contains_many("md5", bytes.fromhex(rows[7][1]))[0]
    for size, m, s, name in (rows[0], rows[50], rows[199]):
        (pid,) = hs.match_many("sha256", bytes.fromhex(s))[1].tolist()
        assert (hs.describe(pid)["size"], hs.describe(pid)["name"]) == (size, name)
    assert hs.text_fields == ("name",)


def test_text_field_starting_late_backfills_empty_values(tmp_path):
    writer = IndexWriter(tmp_path, batch=3)
    digests = [os.urandom(16) for _ in range(8)]
    for i, d in enumerate(digests):
        writer.add(HashEntry(md5=d, media_id=f"m{i}" if i >= 5 else None))
    facts = writer.finish()
    writer.close()
    write_manifest(tmp_path, {"layout": LAYOUT_VERSION, "name": "t", "kind": "alert", "format": "plain", "scheme": "vic-us",
                              "source_path": "x", "source_sha256": "0" * 64, "imported_at": "now", **facts})
    from forensix.hashsets import HashSet
    hs = HashSet(tmp_path)
    assert hs.text_fields == ("media_id",)
    assert [hs.text(i, "media_id") for i in range(8)] == [None] * 5 + ["m5", "m6", "m7"]
    assert hs.text(0, "name") is None
    assert hs.contains_many("md5", b"".join(digests)).all()


@pytest.mark.parametrize("count", [1, 5, 100, 5000])
def test_single_and_batched_lookups_agree(tmp_path, count):
    """Every table size (0 bits for a handful of entries up), duplicates, and near misses that
    share the 4-byte key: the per-file path and the batch path give the same answers."""
    rng = np.random.default_rng(count)
    digests = [bytes(d) for d in rng.integers(0, 256, (count, 32), np.uint8)]
    digests += digests[: max(1, count // 50)]  # the same digest in two entries
    (tmp_path / "s.txt").write_text("".join(d.hex() + "\n" for d in digests))
    hs = build_index(tmp_path / "s.txt", tmp_path / "idx", name="s")
    near = [d[:4] + bytes(32 - 4) for d in digests[:20]]
    queries = digests + near + [bytes(rng.integers(0, 256, 32, np.uint8)) for _ in range(50)]
    which, pids = hs.match_many("sha256", b"".join(queries))
    batched = {}
    for q, p in zip(which.tolist(), pids.tolist()):
        batched.setdefault(q, set()).add(p)
    for q, digest in enumerate(queries):
        single = set(hs._match_one("sha256", digest))
        assert single == batched.get(q, set())
        assert single == {p for p, d in enumerate(digests) if d == digest}


def test_write_queue_reports_a_failed_write(tmp_path):
    out = WriteQueue()
    f = open(tmp_path / "x", "wb")
    f.close()
    out.write(f, b"data")
    with pytest.raises(ValueError):
        out.flush()
    out.stop()


def test_case_index_of_an_older_layout_is_built_again(tmp_path):
    from forensix.hashsets import open_hashset
    (tmp_path / "s.txt").write_text(_md5(1) + "\n")
    hs = open_hashset(str(tmp_path / "s.txt"), tmp_path / "case")
    hs.close()
    manifest = hs.path / "manifest.json"
    manifest.write_text(manifest.read_text().replace(f'"layout": {LAYOUT_VERSION}', '"layout": 1'))
    again = open_hashset(str(tmp_path / "s.txt"), tmp_path / "case")
    assert again.path == hs.path and again.manifest["layout"] == LAYOUT_VERSION
    assert again.lookup(md5=_md5(1))
