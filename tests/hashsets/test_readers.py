"""Each reader on tiny files written here, including the messy cases real exports have."""
from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from forensix.hashsets import HashSetError, build_index

MD5_A = hashlib.md5(b"a").hexdigest()
MD5_B = hashlib.md5(b"b").hexdigest()
SHA1_A = hashlib.sha1(b"a").hexdigest()
SHA256_A = hashlib.sha256(b"a").hexdigest()
SHA256_B = hashlib.sha256(b"b").hexdigest()


def build(tmp_path, name, content, **kw):
    src = tmp_path / name
    src.write_bytes(content if isinstance(content, bytes) else content.encode())
    return build_index(src, tmp_path / f"idx-{name}", name=name, **kw)


def test_vics2_media_messy(tmp_path):
    doc = {"@odata.context": "http://x/DataModels/2.0.xml/US/$metadata#Media", "value": [
        {"MediaID": 7, "Category": 2, "MD5": MD5_A.upper(), "SHA1": SHA1_A.upper(), "MediaSize": "1",
         "VictimIdentified": "false", "Series": "S1",
         "AlternativeHashes": [{"AlgorithmName": "SHA256", "HashValue": SHA256_A.upper()},
                               {"AlgorithmName": "PhotoDNA", "HashValue": "AAAA"}]},
        {"MediaID": 8, "Category": 0, "MD5": MD5_B, "IsPrecategorized": "true"},
    ]}
    hs = build(tmp_path, "v.json", json.dumps(doc))
    assert (hs.fmt, hs.kind, hs.entries, hs.rejected) == ("vics", "known-bad", 2, 0)
    assert hs.lookup(sha256=SHA256_A) == [{"set": "v.json", "kind": "known-bad", "category": "2",
                                           "alert": True, "media_id": "7", "scheme": "vic-us", "match": "exact"}]
    assert hs.lookup(md5=MD5_A, sha1=SHA1_A, sha256=SHA256_A) == hs.lookup(sha1=SHA1_A)  # one entry, once
    assert hs.lookup(md5=MD5_B)[0]["alert"] is False  # Category 0: non-pertinent
    pid = int(hs.match_many("md5", bytes.fromhex(MD5_A))[1][0])
    assert hs.describe(pid)["victim_identified"] is False and hs.describe(pid)["series"] == "S1"
    assert hs.describe(pid)["size"] == 1


@pytest.mark.parametrize("header", [
    {"@odata.context": "http://x/2.0.xml/US/$metadata#Cases"},
    {"odata.metadata": "http://x/1.3/$metadata#Cases"},  # VICS 1.x
])
def test_vics_cases_nesting(tmp_path, header):
    doc = {**header, "value": [
        {"CaseID": 1, "Media": [{"MediaID": 1, "Category": "1", "MD5": MD5_A}]},
        {"CaseID": 2, "Media": [{"MediaID": 2, "Category": 3,
                                 "AlternativeHashes": [{"AlgorithmName": "SHA1", "HashValue": SHA1_A}]}]},
    ]}
    hs = build(tmp_path, "c.json", json.dumps(doc))
    assert hs.entries == 2
    assert hs.lookup(md5=MD5_A)[0]["media_id"] == "1"
    assert hs.lookup(sha1=SHA1_A)[0]["category"] == "3"


def test_vics_truncated_and_bad_hex_keep_good_entries(tmp_path):
    items = [{"MediaID": i, "Category": 1, "MD5": hashlib.md5(bytes([i])).hexdigest()} for i in range(5)]
    items[2]["MD5"] = "zz" * 16
    text = json.dumps({"@odata.context": "x/$metadata#Media", "value": items})
    cut = text.index('"MediaID": 4')
    hs = build(tmp_path, "t.json", text[:cut])
    assert hs.entries == 3  # items 0, 1, 3
    assert hs.rejected == 2
    assert any("invalid hex" in w and "t.json" in w for w in hs.warnings)
    assert any("byte" in w and "cut short" in w for w in hs.warnings)
    assert hs.lookup(md5=hashlib.md5(bytes([3])).hexdigest())


def test_md5sum_binary_marker_crlf_and_bad_line(tmp_path):
    text = (f"{MD5_A} *dir/a file.jpg\r\n"
            f"{SHA256_B}  b.bin\r\n"
            f"not-a-hash  x\r\n"
            f"{MD5_B[:-1]}g  bad.jpg\r\n"
            f"{SHA1_A}\r\n")
    hs = build(tmp_path, "l.md5", text)
    assert (hs.fmt, hs.kind, hs.entries, hs.rejected) == ("plain", "known-bad", 3, 2)
    assert any("line 3" in w for w in hs.warnings) and any("line 4" in w for w in hs.warnings)
    pid = int(hs.match_many("md5", bytes.fromhex(MD5_A))[1][0])
    assert hs.describe(pid)["name"] == "dir/a file.jpg"
    assert hs.lookup(sha256=SHA256_B)[0]["alert"] is True
    assert hs.lookup(sha1=SHA1_A)


def test_hashdeep_commas_in_names_and_bad_rows(tmp_path):
    text = ("%%%% HASHDEEP-1.0\r\n%%%% size,md5,sha256,filename\r\n## comment\r\n"
            f"12,{MD5_A},{SHA256_A},./x/a, b, c.jpg\r\n"
            f"13,{MD5_B},{'q' * 64},./bad.jpg\r\n"
            f"7,{MD5_B},{SHA256_B}\r\n"
            f",{MD5_B.upper()},{SHA256_B},./b.jpg\r\n")
    hs = build(tmp_path, "h.txt", text, kind="alert")
    assert (hs.fmt, hs.kind, hs.entries, hs.rejected) == ("hashdeep", "alert", 2, 2)
    assert any("line 5" in w and "invalid hex" in w for w in hs.warnings)
    assert any("line 6" in w and "fields" in w for w in hs.warnings)
    a = hs.describe(int(hs.match_many("sha256", bytes.fromhex(SHA256_A))[1][0]))
    assert (a["name"], a["size"], a["alert"]) == ("./x/a, b, c.jpg", 12, True)
    b = hs.describe(int(hs.match_many("md5", bytes.fromhex(MD5_B))[1][0]))
    assert (b["name"], b["size"]) == ("./b.jpg", None)


def test_nsrl_rdsv3_sqlite(tmp_path):
    db_path = tmp_path / "rds.db"
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE FILE (sha256, sha1, md5, crc32, file_name, file_size, package_id)")
    db.execute("CREATE TABLE PKG (package_id, name, version, operating_system_id, manufacturer_id, language, application_type)")
    db.execute("INSERT INTO PKG VALUES (5, 'Office', '2016', 1, 1, 'en', 'app')")
    db.execute("INSERT INTO FILE VALUES (?, ?, ?, '0', 'a.dll', 1, 5)", (SHA256_A.upper(), SHA1_A.upper(), MD5_A.upper()))
    db.execute("INSERT INTO FILE VALUES ('xyz', '', '', '0', 'bad.dll', 1, 5)")
    db.commit()
    db.close()
    before = db_path.read_bytes()
    hs = build_index(db_path, tmp_path / "idx", name="nsrl")
    assert db_path.read_bytes() == before and not list(tmp_path.glob("rds.db-*"))  # opened read-only
    assert (hs.fmt, hs.kind, hs.entries, hs.rejected) == ("nsrl-rdsv3", "known-good", 1, 1)
    assert hs.lookup(md5=MD5_A) == [{"set": "nsrl", "kind": "known-good", "category": None,
                                     "alert": False, "media_id": None, "match": "exact"}]
    assert hs.describe(int(hs.match_many("md5", bytes.fromhex(MD5_A))[1][0]))["package"] == "Office 2016"


def test_nsrl_rds2_csv(tmp_path):
    text = ('"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\n'
            f'"{SHA1_A.upper()}","{MD5_A.upper()}","00000000","a, b.txt",660,1,"WIN",""\n'
            '"short"\n')
    hs = build(tmp_path, "NSRLFile.txt", text)
    assert (hs.fmt, hs.kind, hs.entries, hs.rejected) == ("nsrl-rds2", "known-good", 1, 1)
    assert hs.describe(int(hs.match_many("sha1", bytes.fromhex(SHA1_A))[1][0]))["name"] == "a, b.txt"


def test_format_comes_from_content_not_extension(tmp_path):
    assert build(tmp_path, "list.json", f"{MD5_A}  a\n").fmt == "plain"
    with pytest.raises(HashSetError, match=r"unk\.md5: unknown hash set format"):
        build(tmp_path, "unk.md5", "hello world\n")
