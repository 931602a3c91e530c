"""A case made before volume layers (schema 2) opens, keeps its rows and resumes: every
old row gets the volume key ``''``, which is what every volume then was."""
from __future__ import annotations

import sqlite3

from forensix.case.schema import SCHEMA_VERSION
from forensix.case.store import CaseStore

V2_TABLES = """
CREATE TABLE case_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE evidence(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, label TEXT NOT NULL, format TEXT,
    segments TEXT, size INTEGER, exhibit TEXT, description TEXT, seized_by TEXT, seized_at TEXT, seized_where TEXT,
    md5 TEXT, sha1 TEXT, sha256 TEXT, stored_md5 TEXT, stored_sha1 TEXT, end_md5 TEXT, end_sha1 TEXT,
    end_sha256 TEXT, added_at TEXT, scanned_at TEXT, current_scan_id INTEGER);
CREATE TABLE volume_rows(id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    scan_id INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER, description TEXT, slot INTEGER,
    fs_type TEXT, UNIQUE(scan_id, offset));
CREATE TABLE file_rows(id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    scan_id INTEGER NOT NULL, volume_offset INTEGER NOT NULL, fs_type TEXT, path TEXT NOT NULL, inode TEXT NOT NULL,
    deleted INTEGER NOT NULL, size INTEGER, md5 TEXT, sha1 TEXT, sha256 TEXT, container TEXT,
    alert INTEGER NOT NULL DEFAULT 0, known_good INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0, record TEXT NOT NULL);
CREATE TABLE pending(seq INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL, volume_offset INTEGER NOT NULL,
    fs_type TEXT NOT NULL, inode TEXT NOT NULL, path TEXT NOT NULL, priority INTEGER NOT NULL,
    sort_key INTEGER NOT NULL, size INTEGER NOT NULL, taken INTEGER NOT NULL DEFAULT 0, ref TEXT NOT NULL);
CREATE VIEW volumes AS SELECT id, evidence_id, offset, length, description, slot, fs_type FROM volume_rows
    WHERE scan_id IN (SELECT current_scan_id FROM evidence);
INSERT INTO case_info VALUES('schema_version', '2');
INSERT INTO evidence(id, path, label, current_scan_id) VALUES(1, '/e.raw', 'e.raw', 1);
INSERT INTO volume_rows VALUES(1, 1, 1, 1048576, 4096, 'NTFS', 2, 'ntfs');
INSERT INTO file_rows(id, evidence_id, scan_id, volume_offset, fs_type, path, inode, deleted, record)
    VALUES(1, 1, 1, 1048576, 'ntfs', '/a', '5-128-1', 0, '{}');
INSERT INTO pending(scan_id, volume_offset, fs_type, inode, path, priority, sort_key, size, ref)
    VALUES(1, 1048576, 'ntfs', '6-128-1', '/b', 0, 0, 3, '[]');
"""


def test_a_schema_2_case_migrates_and_its_queue_still_resumes(tmp_path):
    db = sqlite3.connect(tmp_path / "case.sqlite")
    db.executescript(V2_TABLES)
    db.close()
    store = CaseStore.open(tmp_path)
    assert store.info()["schema_version"] == str(SCHEMA_VERSION)
    volume = dict(store.db.execute("SELECT * FROM volumes").fetchone())
    assert (volume["offset"], volume["volume_key"], volume["description"]) == (1048576, "", "NTFS")
    assert [tuple(r) for r in store.db.execute("SELECT volume_key FROM files")] == [("",)]
    store.add_volume(1, 1, 1048576, 4096, "shadow copy", None, "ntfs", volume_key="[[[\"vss\",0]],1,\"ntfs\"]")
    assert store.count("SELECT COUNT(*) FROM volumes") == 2  # one offset, two volumes
    taken = store.take(1, 10, 1 << 20, 10_000)
    assert [(r["volume_offset"], r["volume_key"]) for r in taken] == [(1048576, "")]
    store.close()
