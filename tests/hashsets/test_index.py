"""The on-disk index: exact hits and misses at its edges, batches, atomic imports."""
from __future__ import annotations

import os

import numpy as np
import pytest

from forensix.hashsets import HashSetError, build_index
from forensix.hashsets import indexwriter, lineblocks


def _write(path, digests):
    path.write_text("".join(d.hex() + "\n" for d in digests))


def test_boundaries_and_near_misses(tmp_path):
    digests = sorted({os.urandom(16) for _ in range(3000)} | {b"\0" * 15 + b"\1", b"\xff" * 16})
    _write(tmp_path / "s.txt", digests)
    hs = build_index(tmp_path / "s.txt", tmp_path / "idx", name="s", source_sha256="0" * 64)
    for d in (digests[0], digests[1], digests[-1], digests[1500]):
        assert hs.lookup(md5=d.hex()), d.hex()
    # same first 4 bytes (the search key), different rest: must miss
    near = digests[1500][:4] + bytes(b ^ 1 for b in digests[1500][4:])
    for miss in (near, b"\0" * 16, b"\xff" * 15 + b"\xfe"):
        assert hs.lookup(md5=miss.hex()) == []
    queries = b"".join([digests[0], near, digests[-1], b"\x42" * 16])
    assert hs.contains_many("md5", queries).tolist() == [True, False, True, False]


def test_many_batches_and_duplicates(tmp_path, monkeypatch):
    digests = [os.urandom(32) for _ in range(5000)]
    _write(tmp_path / "s.txt", digests + digests[:10])  # the same digest in two entries
    src = tmp_path / "s.txt"
    flushes = []
    monkeypatch.setattr(indexwriter, "BATCH", 700)  # force many flushes and bucket appends,
    monkeypatch.setattr(lineblocks, "BLOCK", 4096)  # whether rows come one by one or in blocks
    original_store = indexwriter.IndexWriter._store
    monkeypatch.setattr(indexwriter.IndexWriter, "_store",
                        lambda self, batch: (flushes.append(batch.count), original_store(self, batch))[1])
    hs = build_index(src, tmp_path / "idx", name="s")
    assert len(flushes) > 1
    assert hs.algorithms == {"sha256": 5010}
    hit = hs.contains_many("sha256", b"".join(digests))
    assert hit.all()
    which, pids = hs.match_many("sha256", digests[3])
    assert sorted(pids.tolist()) == [3, 5003]
    assert len(hs.lookup(sha256=digests[3].hex())) == 1  # identical match dicts collapse
    keys = np.fromfile(tmp_path / "idx" / "sha256.key", "<u4")
    assert (np.diff(keys.astype(np.int64)) >= 0).all()


def test_failed_import_leaves_nothing(tmp_path, monkeypatch):
    _write(tmp_path / "s.txt", [os.urandom(16) for _ in range(10)])

    def boom(self):
        raise OSError("disk full")

    monkeypatch.setattr(indexwriter.IndexWriter, "finish", boom)
    with pytest.raises(OSError):
        build_index(tmp_path / "s.txt", tmp_path / "lib" / "s", name="s")
    assert list((tmp_path / "lib").iterdir()) == []


def test_no_valid_entry_is_an_error(tmp_path):
    (tmp_path / "s.txt").write_text("%%%% HASHDEEP-1.0\n%%%% size,md5,filename\n" + ("1," + "0" * 31 + "g,x\n") * 3)
    with pytest.raises(HashSetError, match="no valid hash entries"):
        build_index(tmp_path / "s.txt", tmp_path / "lib" / "s", name="s")
    assert list((tmp_path / "lib").iterdir()) == []
