"""The case database's layout: its tables and views, the versions it has had and
how an older case is brought up to this one, and how a case is opened read-only.

The schema is part of the record: a report is a query on these tables, and the
seal (:mod:`forensix.case.seal`) covers their rows.
"""
from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

from forensix import __version__

DB_NAME = "case.sqlite"
SCHEMA_VERSION = 3

# Every scan of an evidence item writes its rows under its own scan id; the views
# ``files``, ``findings``, ``warnings`` and ``volumes`` show the rows of each
# evidence item's current scan (the last complete one, or the one under way when
# none completed). So a rescan never touches the earlier result until it completes,
# and everything that reads the case (report, export, plugins) sees one scan per item.
SCHEMA = """
CREATE TABLE IF NOT EXISTS case_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS evidence(
    id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, label TEXT NOT NULL, format TEXT,
    segments TEXT, size INTEGER, exhibit TEXT, description TEXT,
    seized_by TEXT, seized_at TEXT, seized_where TEXT,
    md5 TEXT, sha1 TEXT, sha256 TEXT, stored_md5 TEXT, stored_sha1 TEXT,
    end_md5 TEXT, end_sha1 TEXT, end_sha256 TEXT,
    added_at TEXT, scanned_at TEXT, current_scan_id INTEGER);
CREATE TABLE IF NOT EXISTS scans(
    id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, settings TEXT NOT NULL,
    walked INTEGER NOT NULL DEFAULT 0, media_hashed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS volume_rows(
    id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id), scan_id INTEGER NOT NULL,
    offset INTEGER NOT NULL, length INTEGER, description TEXT, slot INTEGER, fs_type TEXT,
    volume_key TEXT NOT NULL DEFAULT '', label TEXT, state TEXT, ref TEXT,
    UNIQUE(scan_id, offset, volume_key));
CREATE TABLE IF NOT EXISTS file_rows(
    id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id), scan_id INTEGER NOT NULL,
    volume_offset INTEGER NOT NULL, fs_type TEXT, path TEXT NOT NULL, inode TEXT NOT NULL,
    deleted INTEGER NOT NULL, size INTEGER, md5 TEXT, sha1 TEXT, sha256 TEXT,
    container TEXT, alert INTEGER NOT NULL DEFAULT 0, known_good INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0, record TEXT NOT NULL, volume_key TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS file_rows_scan ON file_rows(scan_id);
CREATE TABLE IF NOT EXISTS finding_rows(
    file_id INTEGER NOT NULL REFERENCES file_rows(id), scan_id INTEGER NOT NULL, plugin TEXT NOT NULL,
    kind TEXT NOT NULL, value TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS finding_rows_kind ON finding_rows(kind, value);
CREATE INDEX IF NOT EXISTS finding_rows_scan ON finding_rows(scan_id);
CREATE TABLE IF NOT EXISTS warning_rows(
    id INTEGER PRIMARY KEY, evidence_id INTEGER, scan_id INTEGER, location TEXT, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending(
    seq INTEGER PRIMARY KEY, scan_id INTEGER NOT NULL, volume_offset INTEGER NOT NULL, fs_type TEXT NOT NULL,
    inode TEXT NOT NULL, path TEXT NOT NULL, priority INTEGER NOT NULL, sort_key INTEGER NOT NULL,
    size INTEGER NOT NULL, taken INTEGER NOT NULL DEFAULT 0, ref TEXT NOT NULL,
    volume_key TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS pending_order ON pending(scan_id, taken, priority, sort_key);
CREATE TABLE IF NOT EXISTS hashsets(
    name TEXT PRIMARY KEY, kind TEXT, format TEXT, source_path TEXT, source_sha256 TEXT,
    entries INTEGER, imported_at TEXT);
CREATE TABLE IF NOT EXISTS seen_in(file_id INTEGER PRIMARY KEY, entries TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions(
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, examiner TEXT, host TEXT, tool_version TEXT,
    action TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE VIEW IF NOT EXISTS files AS
    SELECT * FROM file_rows WHERE scan_id IN (SELECT current_scan_id FROM evidence);
CREATE VIEW IF NOT EXISTS findings AS
    SELECT file_id, plugin, kind, value, detail FROM finding_rows
    WHERE scan_id IN (SELECT current_scan_id FROM evidence);
CREATE VIEW IF NOT EXISTS warnings AS
    SELECT id, evidence_id, location, message FROM warning_rows
    WHERE scan_id IS NULL OR scan_id IN (SELECT current_scan_id FROM evidence);
CREATE VIEW IF NOT EXISTS volumes AS
    SELECT id, evidence_id, offset, length, description, slot, fs_type, volume_key, label, state, ref FROM volume_rows
    WHERE scan_id IN (SELECT current_scan_id FROM evidence);
"""

# a scan's status in the scans table; a scan stopped by a kill still says running
SCAN_RUNNING = "running"
SCAN_COMPLETE = "complete"
SCAN_ENDED_EARLY = "ended early"


class CaseError(Exception):
    """The case folder is missing, not a forensix case, or from an unknown version."""


def connect_read_only(case_dir: Path, db_path: Path) -> sqlite3.Connection:
    """A read-only connection through a URI. SQLite needs to create a ``-shm`` file
    beside a WAL database even to read it; on a read-only folder that fails, and
    the database is opened ``immutable`` instead, which is exact as long as no
    write-ahead log holds changes not yet in the database (a case closed cleanly
    has none)."""
    uri = "file:" + urllib.parse.quote(str(db_path.resolve()))
    wal = db_path.with_name(db_path.name + "-wal")
    for query in ("?mode=ro", "?mode=ro&immutable=1"):
        if "immutable" in query and wal.is_file() and wal.stat().st_size:
            raise CaseError(f"{case_dir}: the folder is read-only and its database was not closed cleanly"
                            f" ({wal.name} holds changes); copy the case folder to a writable place to read it")
        try:
            db = sqlite3.connect(uri + query, uri=True)
        except sqlite3.OperationalError:
            continue
        db.row_factory = sqlite3.Row
        try:
            version = db.execute("SELECT value FROM case_info WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            db.close()
            if "unable to open" in str(exc) or "readonly" in str(exc):
                continue
            raise CaseError(f"{case_dir}: the case database cannot be read ({exc})") from exc
        except sqlite3.DatabaseError as exc:
            db.close()
            raise CaseError(f"{case_dir}: the case database cannot be read ({exc})") from exc
        if version is None or int(version[0]) > SCHEMA_VERSION:
            db.close()
            raise CaseError(f"{case_dir}: not a case database forensix {__version__} can read")
        return db
    raise CaseError(f"{case_dir}: the case database cannot be opened for reading")


def bring_up_to_date(db: sqlite3.Connection, case_dir: Path) -> int | None:
    """Give a writable database this forensix's schema, migrating a case an older forensix
    made; returns the version it had (None: a new database)."""
    version = _schema_version(db)
    if version is not None and version > SCHEMA_VERSION:
        raise CaseError(f"{case_dir}: made by a newer forensix (schema {version})")
    if version == 1:
        _migrate_v1(db)
    elif version == 2:
        _migrate_v2(db)
    db.executescript(SCHEMA)
    return version


def has_seen_in(db: sqlite3.Connection) -> bool:
    """Whether the case holds the ``seen_in`` table: a case opened read-only from before the lab
    has not been brought up to date, so readers ask rather than assume."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE name='seen_in'").fetchone() is not None


def _schema_version(db: sqlite3.Connection) -> int | None:
    try:
        row = db.execute("SELECT value FROM case_info WHERE key='schema_version'").fetchone()
    except sqlite3.OperationalError:  # a new, empty database
        return None
    return int(row[0]) if row is not None else None


def _migrate_v1(db: sqlite3.Connection) -> None:
    """A case made by forensix 0.1: each evidence item's rows become its one, complete scan."""
    with db:
        db.execute("ALTER TABLE evidence ADD COLUMN current_scan_id INTEGER")
        db.executescript(SCHEMA.split("CREATE VIEW")[0])
        db.execute("INSERT INTO scans(id, evidence_id, started_at, finished_at, status, settings)"
                   " SELECT id, id, COALESCE(added_at, ''), scanned_at,"
                   f" CASE WHEN scanned_at IS NULL THEN '{SCAN_ENDED_EARLY}' ELSE '{SCAN_COMPLETE}' END, '{{}}'"
                   " FROM evidence")
        db.execute("UPDATE evidence SET current_scan_id=id")
        db.execute("INSERT INTO volume_rows(id, evidence_id, scan_id, offset, length, description, slot, fs_type)"
                   " SELECT id, evidence_id, evidence_id, offset, length, description, slot, fs_type FROM volumes")
        db.execute("INSERT INTO file_rows(id, evidence_id, scan_id, volume_offset, fs_type, path, inode, deleted, size,"
                   " md5, sha1, sha256, container, alert, known_good, warning_count, record)"
                   " SELECT id, evidence_id, evidence_id, volume_offset, fs_type, path, inode,"
                   " deleted, size, md5, sha1, sha256, container, alert, known_good, warning_count, record FROM files")
        db.execute("INSERT INTO finding_rows SELECT f.file_id, r.scan_id, f.plugin, f.kind, f.value, f.detail"
                   " FROM findings f JOIN file_rows r ON r.id=f.file_id")
        db.execute("INSERT INTO warning_rows SELECT id, evidence_id, evidence_id, location, message FROM warnings")
        for table in ("findings", "files", "warnings", "volumes"):
            db.execute(f"DROP TABLE {table}")
        db.execute("UPDATE case_info SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))


def _migrate_v2(db: sqlite3.Connection) -> None:
    """A case made before volume layers: rows gain a volume key (``''``, what every volume
    then was), and volumes at one offset (a shadow copy and its live volume) become possible."""
    with db:
        db.execute("ALTER TABLE file_rows ADD COLUMN volume_key TEXT NOT NULL DEFAULT ''")
        db.execute("ALTER TABLE pending ADD COLUMN volume_key TEXT NOT NULL DEFAULT ''")
        db.execute("DROP VIEW IF EXISTS volumes")
        db.execute("ALTER TABLE volume_rows RENAME TO volume_rows_v2")
        db.executescript(SCHEMA.split("CREATE VIEW")[0])
        db.execute("INSERT INTO volume_rows(id, evidence_id, scan_id, offset, length, description, slot, fs_type)"
                   " SELECT id, evidence_id, scan_id, offset, length, description, slot, fs_type FROM volume_rows_v2")
        db.execute("DROP TABLE volume_rows_v2")
        db.execute("UPDATE case_info SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
