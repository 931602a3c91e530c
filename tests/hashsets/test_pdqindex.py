"""PDQ hashes in hash sets: the multi-index finds exactly what comparing every hash finds;
plain PDQ lists and VICS AlternativeHashes are read, and told apart from SHA-256 lists."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from forensix.hashsets import build_index, formats, lineblocks, pdqlist, plainlist
from forensix.hashsets.entries import ReadLog
from forensix.hashsets.indexwriter import Batch


def _flip(h: bytes, bits: int, rng: random.Random) -> bytes:
    value = int.from_bytes(h, "big")
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return value.to_bytes(32, "big")


@pytest.fixture(scope="module")
def random_set(tmp_path_factory):
    """30,000 random listed hashes, and queries 0-45 bits from some of them or from none."""
    rng = random.Random(11)
    listed = [rng.randbytes(32) for _ in range(30_000)]
    queries = [_flip(rng.choice(listed), rng.randrange(46), rng) for _ in range(250)]
    queries += [rng.randbytes(32) for _ in range(50)] + [listed[7]]
    folder = tmp_path_factory.mktemp("pdqset")
    source = folder / "list.txt"
    source.write_text("# PDQ\n" + "".join(f"{h.hex()},1,m{i}\n" for i, h in enumerate(listed)))
    hs = build_index(source, folder / "index", name="r", source_sha256="0" * 64)
    yield hs, listed, queries
    hs.close()


@pytest.mark.parametrize("threshold", [0, 7, 12, 31, 40])
def test_multi_index_finds_exactly_what_comparing_every_hash_finds(random_set, threshold):
    hs, listed, queries = random_set
    index = hs.pdq
    assert index.count == 30_000 and index.bits == 14
    which, rows = index._probe(np.frombuffer(b"".join(queries), np.uint8).reshape(-1, 32), index._flips(threshold))
    assert len(rows) < len(queries) * index.count // 2  # a search, not a scan of everything
    found = set(zip(*(part.tolist() for part in index.search(b"".join(queries), threshold, threads=2))))
    words = np.frombuffer(b"".join(listed), "<u8").reshape(-1, 4)
    expected = set()
    for number, query in enumerate(queries):
        distance = np.bitwise_count(words ^ np.frombuffer(query, "<u8")).sum(axis=1)
        expected |= {(number, int(row), int(distance[row])) for row in np.flatnonzero(distance <= threshold)}
    assert found == expected and len(expected) >= 2


def test_near_gives_payload_ids_nearest_first(random_set):
    hs, listed, _ = random_set
    rng = random.Random(3)
    queries = _flip(listed[42], 20, rng) + _flip(listed[43], 3, rng)
    assert hs.near(queries, 31) == [(1, 43, 3), (0, 42, 20)]
    assert hs.match(43) == {"set": "r", "kind": "known-bad", "category": "1", "alert": True, "media_id": "m43",
                            "scheme": "vic-us"}


def test_a_small_set_is_compared_in_full(tmp_path):
    (tmp_path / "small.txt").write_text("".join(f"{random.Random(i).randbytes(32).hex()},2\n" for i in range(40)))
    hs = build_index(tmp_path / "small.txt", tmp_path / "idx", name="s", source_sha256="0" * 64)
    assert hs.fmt == "pdq" and hs.pdq.count == 40
    query = _flip(random.Random(5).randbytes(32), 31, random.Random(1))
    assert hs.near(query, 31) == [(0, 5, 31)] and hs.near(query, 30) == []


LIST = """\
\ufeff# PDQ hashes shared by a unit
{a},1,M-1
{b_upper},2

{c}
 {d} , 3 , M-4
{e},1,M-5,extra
{short},1,M-6
{bad},1,M-7
# done
{f},,M-8
"""


def _list_text() -> tuple[str, dict[str, str]]:
    rng = random.Random(8)
    h = {k: rng.randbytes(32).hex() for k in "abcdef"}
    return LIST.format(b_upper=h["b"].upper(), short=h["a"][:60], bad="g" * 64, **h), h


def _entries(reader, path, log):
    rows = []
    for item in reader.read(path, log):
        if isinstance(item, Batch):
            texts = {f: blob.decode().split("\0")[:-1] for f, (blob, _) in item.texts.items()}
            for i in range(item.count):
                rows.append((item.pdq[i].tobytes().hex(), (item.categories or [None] * item.count)[i],
                             texts.get("media_id", [""] * item.count)[i] or None))
        else:
            rows.append((item.pdq.hex(), item.category, item.media_id))
    return rows


@pytest.mark.parametrize("block", [lineblocks.BLOCK, 97])
def test_pdq_list_lines(tmp_path, monkeypatch, block):
    monkeypatch.setattr(lineblocks, "BLOCK", block)
    text, h = _list_text()
    path = tmp_path / "list.txt"
    path.write_text(text)
    assert formats.detect(path) is pdqlist
    log = ReadLog(str(path))
    assert sorted(_entries(pdqlist, path, log)) == sorted([
        (h["a"], "1", "M-1"), (h["b"], "2", None), (h["c"], None, None), (h["d"], "3", "M-4"), (h["f"], None, "M-8")])
    assert log.rejected == 3
    assert [m.split(": ", 2)[1] for m in log.messages] == ["line 7", "line 8", "line 9"]
    assert "4 fields" in log.messages[0] and "64 hex digits" in log.messages[1] and "invalid hex" in log.messages[2]


def test_a_list_is_read_as_pdq_only_when_it_says_so(tmp_path):
    digest = random.Random(1).randbytes(32).hex()
    cases = {"bare.txt": f"{digest}\n", "named.txt": f"{digest}  picture.jpg\n",
             "header.txt": f"# PDQ hashes\n{digest}\n", "category.txt": f"{digest},1\n"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    assert [formats.detect(tmp_path / n) for n in cases] == [plainlist, plainlist, pdqlist, pdqlist]


def test_vics_pdq_in_alternative_hashes(tmp_path):
    rng = random.Random(2)
    pdq_a, pdq_b, md5 = rng.randbytes(32).hex(), rng.randbytes(32).hex(), rng.randbytes(16).hex()
    media = [
        {"MediaID": 1, "Category": "1", "MD5": md5,
         "AlternativeHashes": [{"HashName": "SHA256", "HashValue": "ab" * 32},
                               {"HashName": "PDQ", "HashValue": pdq_a}]},
        {"MediaID": 2, "Category": "2", "AlternativeHashes": [{"hashname": "pdq", "hashvalue": pdq_b.upper()}]},
        {"MediaID": 3, "Category": "1", "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "12345"}]},
    ]
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"@odata.context": "x/$metadata#Media", "value": media}))
    hs = build_index(path, tmp_path / "idx", name="v", source_sha256="0" * 64)
    assert (hs.entries, hs.rejected, hs.pdq.count) == (2, 1, 2)
    assert "PDQ hash must have 64 hex digits" in hs.warnings[0]
    assert hs.lookup(md5=md5)[0]["match"] == "exact"
    assert hs.near(bytes.fromhex(pdq_b) + bytes.fromhex(pdq_a), 0) == [(0, 1, 0), (1, 0, 0)]
