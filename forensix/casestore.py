"""The case folder: one SQLite database (WAL) holding evidence items, volumes,
files, plugin findings, warnings and an append-only, hash-chained action log.

Every figure in a report is a query on this database, so a report can always be
reproduced from the evidence and the case record.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import platform
import sqlite3
import urllib.parse
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from forensix import __version__
from forensix.records import FileRecord

DB_NAME = "case.sqlite"
SCHEMA_VERSION = 1
GENESIS = "0" * 64
"""The ``prev_hash`` of the first action: the chain starts from a known value."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS case_info(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS evidence(
    id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, label TEXT NOT NULL, format TEXT,
    segments TEXT, size INTEGER, exhibit TEXT, description TEXT,
    seized_by TEXT, seized_at TEXT, seized_where TEXT,
    md5 TEXT, sha1 TEXT, sha256 TEXT, stored_md5 TEXT, stored_sha1 TEXT,
    end_md5 TEXT, end_sha1 TEXT, end_sha256 TEXT,
    added_at TEXT, scanned_at TEXT);
CREATE TABLE IF NOT EXISTS volumes(
    id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    offset INTEGER NOT NULL, length INTEGER, description TEXT, slot INTEGER, fs_type TEXT,
    UNIQUE(evidence_id, offset));
CREATE TABLE IF NOT EXISTS files(
    id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    volume_offset INTEGER NOT NULL, fs_type TEXT, path TEXT NOT NULL, inode TEXT NOT NULL,
    deleted INTEGER NOT NULL, size INTEGER, md5 TEXT, sha1 TEXT, sha256 TEXT,
    container TEXT, alert INTEGER NOT NULL DEFAULT 0, known_good INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0, record TEXT NOT NULL,
    UNIQUE(evidence_id, volume_offset, inode, path));
CREATE INDEX IF NOT EXISTS files_sha256 ON files(sha256);
CREATE TABLE IF NOT EXISTS findings(
    file_id INTEGER NOT NULL REFERENCES files(id), plugin TEXT NOT NULL, kind TEXT NOT NULL,
    value TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS findings_kind ON findings(kind, value);
CREATE TABLE IF NOT EXISTS warnings(
    id INTEGER PRIMARY KEY, evidence_id INTEGER, location TEXT, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hashsets(
    name TEXT PRIMARY KEY, kind TEXT, format TEXT, source_path TEXT, source_sha256 TEXT,
    entries INTEGER, imported_at TEXT);
CREATE TABLE IF NOT EXISTS actions(
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, examiner TEXT, host TEXT, tool_version TEXT,
    action TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
"""


class CaseError(Exception):
    """The case folder is missing, not a forensix case, or from an unknown version."""


def _connect_read_only(case_dir: Path, db_path: Path) -> sqlite3.Connection:
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


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def action_hash(prev_hash: str, at: str, examiner: str, host: str, tool_version: str,
                action: str, details: str) -> str:
    """Hash of one log entry, chained to the previous entry's hash.

    Canonical JSON of the fields makes the hash independent of column order and
    reproducible by anyone with the database and this definition.
    """
    payload = json.dumps([prev_hash, at, examiner, host, tool_version, action, details],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class CaseStore:
    def __init__(self, case_dir: Path, db: sqlite3.Connection, read_only: bool = False) -> None:
        self.case_dir = case_dir
        self.db = db
        self.read_only = read_only
        self._pending = 0

    @classmethod
    def open(cls, case_dir: str | Path, create: bool = False, read_only: bool = False) -> "CaseStore":
        """Open (or create) a case; ``read_only`` never writes a byte into the folder,
        so a case on write-protected media or a read-only copy can still be read."""
        case_dir = Path(case_dir)
        db_path = case_dir / DB_NAME
        if not db_path.is_file():
            if not create or read_only:
                raise CaseError(f"{case_dir}: not a forensix case folder (no {DB_NAME})")
            case_dir.mkdir(parents=True, exist_ok=True)
        if read_only:
            return cls(case_dir, _connect_read_only(case_dir, db_path), read_only=True)
        db = sqlite3.connect(db_path)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
            version = db.execute("SELECT value FROM case_info WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise CaseError(f"{case_dir}: the case database cannot be read ({exc})") from exc
        if version is None:
            db.execute("INSERT INTO case_info VALUES('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("INSERT INTO case_info VALUES('created_at', ?)", (utc_now(),))
            db.commit()
        elif int(version[0]) > SCHEMA_VERSION:
            raise CaseError(f"{case_dir}: made by a newer forensix (schema {version[0]})")
        return cls(case_dir, db)

    def close(self) -> None:
        if not self.read_only:
            self.db.commit()
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            yield
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise

    # -- case details -----------------------------------------------------
    def info(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM case_info")}

    def set_info(self, **values: str | None) -> None:
        with self.transaction():
            for key, value in values.items():
                if value is not None:
                    self.db.execute("INSERT OR REPLACE INTO case_info VALUES(?, ?)", (key, value))

    def examiner(self) -> str:
        return self.info().get("examiner") or getpass.getuser()

    # -- action log -------------------------------------------------------
    def log_action(self, action: str, **details: Any) -> str:
        """Append an action to the hash-chained log and commit; returns its hash."""
        last = self.db.execute("SELECT hash FROM actions ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        at = utc_now()
        examiner = self.examiner()
        host = platform.node()
        text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
        digest = action_hash(prev, at, examiner, host, __version__, action, text)
        self.db.execute(
            "INSERT INTO actions(at, examiner, host, tool_version, action, details, prev_hash, hash)"
            " VALUES(?,?,?,?,?,?,?,?)", (at, examiner, host, __version__, action, text, prev, digest))
        self.db.commit()
        return digest

    def actions(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM actions ORDER BY seq").fetchall()

    # -- evidence and volumes ---------------------------------------------
    def begin_evidence(self, path: str, label: str, fmt: str, segments: Iterable[str], size: int,
                       **details: str | None) -> int:
        """Register an evidence item (or find it again) and clear its earlier scan
        results, so scanning the same evidence twice never duplicates records."""
        with self.transaction():
            row = self.db.execute("SELECT id FROM evidence WHERE path=?", (path,)).fetchone()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO evidence(path, label, format, segments, size, added_at) VALUES(?,?,?,?,?,?)",
                    (path, label, fmt, json.dumps(list(segments)), size, utc_now()))
                evidence_id = int(cur.lastrowid)
            else:
                evidence_id = int(row[0])
                self.db.execute("UPDATE evidence SET label=?, format=?, segments=?, size=? WHERE id=?",
                                (label, fmt, json.dumps(list(segments)), size, evidence_id))
                self._clear_results(evidence_id)
            self._update("evidence", evidence_id, details)
        return evidence_id

    def _clear_results(self, evidence_id: int) -> None:
        self.db.execute("DELETE FROM findings WHERE file_id IN (SELECT id FROM files WHERE evidence_id=?)",
                        (evidence_id,))
        for table in ("files", "volumes", "warnings"):
            self.db.execute(f"DELETE FROM {table} WHERE evidence_id=?", (evidence_id,))

    def update_evidence(self, evidence_id: int, **values: Any) -> None:
        with self.transaction():
            self._update("evidence", evidence_id, values)

    def _update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            columns = ", ".join(f"{k}=?" for k in values)
            self.db.execute(f"UPDATE {table} SET {columns} WHERE id=?", (*values.values(), row_id))

    def evidence(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM evidence ORDER BY id").fetchall()

    def add_volume(self, evidence_id: int, offset: int, length: int | None, description: str,
                   slot: int | None, fs_type: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO volumes(evidence_id, offset, length, description, slot, fs_type)"
                        " VALUES(?,?,?,?,?,?)", (evidence_id, offset, length, description, slot, fs_type))

    def add_warning(self, evidence_id: int | None, location: str, message: str) -> None:
        self.db.execute("INSERT INTO warnings(evidence_id, location, message) VALUES(?,?,?)",
                        (evidence_id, location, message))

    # -- hash sets --------------------------------------------------------
    def record_hashset(self, name: str, kind: str, fmt: str, source_path: str, source_sha256: str,
                       entries: int, imported_at: str) -> None:
        """Record a set used by a scan, and log it: a hit must be traceable to the exact list."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO hashsets VALUES(?,?,?,?,?,?,?)",
                            (name, kind, fmt, source_path, source_sha256, entries, imported_at))
        self.log_action("hash set loaded", name=name, kind=kind, format=fmt, source_path=source_path,
                        source_sha256=source_sha256, entries=entries, imported_at=imported_at)

    # -- files ------------------------------------------------------------
    def add_file(self, evidence_id: int, record: FileRecord) -> None:
        """Store one scanned file; commits in batches so a long scan survives a crash."""
        e, d = record.entry, record.digests
        matches = record.analysis.get("hash_matches") or []
        alert = any(m.get("alert") for m in matches)
        known_good = not alert and any(m.get("kind") == "known-good" for m in matches)
        exported = record.to_export()
        cur = self.db.execute(
            "INSERT OR REPLACE INTO files(evidence_id, volume_offset, fs_type, path, inode, deleted, size,"
            " md5, sha1, sha256, container, alert, known_good, warning_count, record)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (evidence_id, e.volume_offset, e.fs_type, e.path, e.inode, int(e.deleted), e.size,
             d.md5, d.sha1, d.sha256, e.container, int(alert), int(known_good), len(record.warnings),
             json.dumps(exported, ensure_ascii=False, default=str)))
        file_id = cur.lastrowid
        if record.findings:
            self.db.executemany(
                "INSERT INTO findings(file_id, plugin, kind, value, detail) VALUES(?,?,?,?,?)",
                [(file_id, f.plugin, f.kind, f.value, json.dumps(dict(f.detail), ensure_ascii=False, default=str))
                 for f in record.findings])
        self._pending += 1
        if self._pending >= 500:
            self.db.commit()
            self._pending = 0

    def commit(self) -> None:
        self.db.commit()
        self._pending = 0

    def export_records(self) -> Iterator[dict[str, Any]]:
        """The public export records, in a stable order (evidence, volume, path)."""
        cur = self.db.execute("SELECT record FROM files ORDER BY evidence_id, volume_offset, path, inode")
        for (text,) in cur:
            yield json.loads(text)

    def count(self, sql: str, *params: Any) -> int:
        return int(self.db.execute(sql, params).fetchone()[0])
