"""The case folder: one SQLite database (WAL) holding evidence items, volumes,
files, plugin findings, warnings and an append-only, hash-chained action log.

Every figure in a report is a query on this database, so a report can always be
reproduced from the evidence and the case record. The tables are described in
:mod:`forensix.case.schema`.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import platform
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from forensix import __version__
from forensix.case.schema import (
    DB_NAME,
    SCAN_COMPLETE,
    SCAN_RUNNING,
    SCHEMA_VERSION,
    CaseError,
    bring_up_to_date,
    connect_read_only,
    has_seen_in,
)
from forensix.case.storedrecord import StoredRecord

GENESIS = "0" * 64
"""The ``prev_hash`` of the first action: the chain starts from a known value."""
CASE_ID = "case_id"
"""The case's identity in ``case_info``: a case number is what people write, and two agencies (or a
case folder made again from scratch) can share one; the identity is given once, logged, and travels
with a copy of the folder, so a copy is the same case and nothing else is."""
IDENTITY_ACTION = "case identity given"
"""Logged when a case made by an earlier forensix is given its identity (a new case gets it in
``case created``)."""


def new_case_id() -> str:
    return str(uuid.uuid4())


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
        self.on_close: Callable[[], None] | None = None
        """Called once the store is closed (the command's hold on the case folder ends)."""
        self._files: list[tuple[Any, ...]] = []
        self._findings: list[tuple[Any, ...]] = []
        self._next_file_id: int | None = None

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
            return cls(case_dir, connect_read_only(case_dir, db_path), read_only=True)
        db = sqlite3.connect(db_path)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL: a commit is atomic and survives the process being killed; a power
            # cut can only roll back the last commits, which a resumed scan does again
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA wal_autocheckpoint=16384")  # 64 MiB of log between checkpoints, not 4
            db.execute("PRAGMA foreign_keys=ON")
            version = bring_up_to_date(db, case_dir)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise CaseError(f"{case_dir}: the case database cannot be read ({exc})") from exc
        if version is None:
            db.execute("INSERT INTO case_info VALUES('schema_version', ?)", (str(SCHEMA_VERSION),))
            db.execute("INSERT INTO case_info VALUES('created_at', ?)", (utc_now(),))
            db.commit()
        return cls(case_dir, db)

    def close(self) -> None:
        try:
            if not self.read_only:
                self.commit()
            self.db.close()
        finally:
            if self.on_close is not None:
                self.on_close()
                self.on_close = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            yield
            self.commit()
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

    def case_id(self) -> str:
        """The case's identity (:data:`CASE_ID`): a case made by an earlier forensix gets one the
        first time it needs one, in the action log like every detail."""
        found = (self.info().get(CASE_ID) or "").strip()
        if found:
            return found
        given = new_case_id()
        self.set_info(**{CASE_ID: given})
        self.log_action(IDENTITY_ACTION, case_id=given, reason="the case was made by an earlier forensix")
        return given

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

    # -- evidence ---------------------------------------------------------
    def add_evidence(self, path: str, label: str, fmt: str, segments: Iterable[str], size: int,
                     **details: str | None) -> int:
        """Register an evidence item, or find it again (by path); its results are kept."""
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
            self._update("evidence", evidence_id, details)
        return evidence_id

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

    # -- scans ------------------------------------------------------------
    def scans(self, evidence_id: int) -> list[sqlite3.Row]:
        """Every scan of an evidence item, oldest first."""
        return self.db.execute("SELECT * FROM scans WHERE evidence_id=? ORDER BY id", (evidence_id,)).fetchall()

    def start_scan(self, evidence_id: int, settings: str) -> int:
        """A new scan; it becomes the item's current scan only if no scan of it ever completed."""
        with self.transaction():
            cur = self.db.execute("INSERT INTO scans(evidence_id, started_at, status, settings) VALUES(?,?,?,?)",
                                  (evidence_id, utc_now(), SCAN_RUNNING, settings))
            scan_id = int(cur.lastrowid)
            self.db.execute("UPDATE evidence SET current_scan_id=? WHERE id=? AND (current_scan_id IS NULL OR"
                            " current_scan_id NOT IN (SELECT id FROM scans WHERE status=?))",
                            (scan_id, evidence_id, SCAN_COMPLETE))
        return scan_id

    def set_scan(self, scan_id: int, **values: Any) -> None:
        with self.transaction():
            self._update("scans", scan_id, values)

    def drop_scan(self, scan_id: int) -> None:
        """Delete an unfinished scan's rows (it is being started again with other settings)."""
        with self.transaction():
            self._delete_rows(scan_id)
            self.db.execute("DELETE FROM pending WHERE scan_id=?", (scan_id,))
            self.db.execute("UPDATE scans SET status='discarded' WHERE id=?", (scan_id,))
            self.db.execute("UPDATE evidence SET current_scan_id=NULL WHERE current_scan_id=?", (scan_id,))

    def complete_scan(self, scan_id: int) -> None:
        """Make a finished scan the item's result, in one transaction, and drop what it replaces."""
        with self.transaction():
            evidence_id = self.db.execute("SELECT evidence_id FROM scans WHERE id=?", (scan_id,)).fetchone()[0]
            for (old,) in self.db.execute("SELECT id FROM scans WHERE evidence_id=? AND id<>? AND status<>?",
                                          (evidence_id, scan_id, "superseded")).fetchall():
                self._delete_rows(old)
                self.db.execute("DELETE FROM pending WHERE scan_id=?", (old,))
                self.db.execute("UPDATE scans SET status='superseded' WHERE id=?", (old,))
            self.db.execute("DELETE FROM pending WHERE scan_id=?", (scan_id,))
            self.db.execute("CREATE INDEX IF NOT EXISTS file_rows_sha256 ON file_rows(sha256)")
            self.db.execute("UPDATE scans SET status=?, finished_at=? WHERE id=?", (SCAN_COMPLETE, utc_now(), scan_id))
            self.db.execute("UPDATE evidence SET current_scan_id=?, scanned_at=? WHERE id=?",
                            (scan_id, utc_now(), evidence_id))

    def _delete_rows(self, scan_id: int) -> None:
        for table in ("finding_rows", "file_rows", "warning_rows", "volume_rows"):
            self.db.execute(f"DELETE FROM {table} WHERE scan_id=?", (scan_id,))

    # -- what a scan found ------------------------------------------------
    def add_volume(self, evidence_id: int, scan_id: int, offset: int, length: int | None, description: str,
                   slot: int | None, fs_type: str | None, volume_key: str = "", label: str | None = None,
                   state: str | None = None, ref: str | None = None) -> None:
        """A volume found; ``volume_key`` tells apart volumes at one offset, ``ref`` is the
        volume's :class:`forensix.engine.units.VolumeRef` as JSON (how a worker reopens it)."""
        self.db.execute("INSERT OR REPLACE INTO volume_rows(evidence_id, scan_id, offset, length, description, slot,"
                        " fs_type, volume_key, label, state, ref) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                        (evidence_id, scan_id, offset, length, description, slot, fs_type, volume_key, label, state,
                         ref))

    def volume_ref(self, scan_id: int, offset: int, volume_key: str) -> str | None:
        """The stored description (``VolumeRef`` JSON) of a volume of a scan, None for rows of an older forensix."""
        row = self.db.execute("SELECT ref FROM volume_rows WHERE scan_id=? AND offset=? AND volume_key=?",
                              (scan_id, offset, volume_key)).fetchone()
        return row[0] if row is not None else None

    def snapshot_volumes(self, scan_id: int) -> list[str]:
        """The ``VolumeRef`` JSON of each shadow copy a scan found."""
        return [r[0] for r in self.db.execute("SELECT ref FROM volume_rows WHERE scan_id=? AND ref IS NOT NULL"
                                              " AND json_extract(ref, '$[3]') IS NOT NULL", (scan_id,))]

    def drop_unchanged_snapshot_files(self, scan_id: int, snapshot_key: str, live_key: str) -> int:
        """Keep of a shadow copy only the files whose (inode, SHA-256) its live volume has not:
        the rest are the live files again. Run once every file is recorded, so it holds whatever
        order the workers finished in; returns how many records were dropped."""
        doomed = ("SELECT id FROM file_rows f WHERE f.scan_id=? AND f.volume_key=? AND f.sha256 IS NOT NULL"
                  " AND EXISTS (SELECT 1 FROM file_rows l WHERE l.scan_id=f.scan_id AND l.volume_key=?"
                  " AND l.volume_offset=f.volume_offset AND l.inode=f.inode AND l.sha256=f.sha256)")
        args = (scan_id, snapshot_key, live_key)
        self.db.execute("CREATE INDEX IF NOT EXISTS file_rows_volume ON file_rows(scan_id, volume_key, inode)")
        self.db.execute(f"DELETE FROM finding_rows WHERE file_id IN ({doomed})", args)
        dropped = self.db.execute(f"DELETE FROM file_rows WHERE id IN ({doomed})", args).rowcount
        self.db.execute("DROP INDEX file_rows_volume")
        return dropped

    def add_warning(self, evidence_id: int | None, location: str, message: str, scan_id: int | None = None) -> None:
        self.db.execute("INSERT INTO warning_rows(evidence_id, scan_id, location, message) VALUES(?,?,?,?)",
                        (evidence_id, scan_id, location, message))

    def add_rows(self, evidence_id: int, scan_id: int, rows: Iterable[StoredRecord]) -> None:
        """Store records made by :func:`forensix.case.storedrecord.stored_record` (in a worker), at
        the next :meth:`commit`.

        The rows are written in bulk at each commit, with ids given here: there is one writer
        per case (:mod:`forensix.case.lock`), and the findings need their file's id.
        """
        if self._next_file_id is None:
            self._next_file_id = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM file_rows").fetchone()[0]
        for row in rows:
            file_id = self._next_file_id
            self._next_file_id += 1
            self._files.append((file_id, evidence_id, scan_id, *row.columns))
            self._findings.extend((file_id, scan_id, *finding) for finding in row.findings)

    def commit(self) -> None:
        if self._files:
            self.db.executemany(
                "INSERT INTO file_rows(id, evidence_id, scan_id, volume_offset, fs_type, path, inode, deleted, size,"
                " md5, sha1, sha256, container, alert, known_good, warning_count, record, volume_key)"
                " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self._files)
            self._files = []
        if self._findings:
            self.db.executemany("INSERT INTO finding_rows(file_id, scan_id, plugin, kind, value, detail)"
                                " VALUES(?,?,?,?,?,?)", self._findings)
            self._findings = []
        self.db.commit()

    def export_records(self) -> Iterator[dict[str, Any]]:
        """The public export records, in a stable order (evidence, volume, path): a shadow copy and
        its live volume share an offset, so the volume key is part of the order. A record seen in
        another case gains ``seen_in``, kept beside the sealed records (:mod:`forensix.lab.seenin`)."""
        seen = "(SELECT entries FROM seen_in WHERE file_id=files.id)" if has_seen_in(self.db) else "NULL"
        cur = self.db.execute(f"SELECT record, {seen} FROM files ORDER BY evidence_id, volume_offset, volume_key,"
                              " path, inode")
        for text, entries in cur:
            record = json.loads(text)
            if entries is not None:
                record["seen_in"] = json.loads(entries)
            yield record

    def count(self, sql: str, *params: Any) -> int:
        return int(self.db.execute(sql, params).fetchone()[0])

    # -- the work queue ---------------------------------------------------
    # A walker's files wait here, in the case, until their records are stored: a
    # queue entry is taken when handed to a worker and stays (taken) until the scan
    # completes, so a killed scan resumes by releasing what is taken but not recorded.
    _QUEUE = ("INSERT INTO pending(scan_id, volume_offset, fs_type, inode, path, priority, sort_key, size, ref,"
              " volume_key)")
    _KEY_INDEX = "CREATE INDEX IF NOT EXISTS file_rows_key ON file_rows(scan_id, volume_offset, inode, path, volume_key)"
    """Kept only while a resumed walk looks up which files are already recorded."""
    _KEY = ("f.scan_id=pending.scan_id AND f.volume_offset=pending.volume_offset AND f.inode=pending.inode"
            " AND f.path=pending.path AND f.volume_key=pending.volume_key")

    def queue(self, scan_id: int, rows: Iterable[tuple[int, str, str, str, int, int, int, str, str]],
              skip_recorded: bool = False) -> None:
        """Files a walker found, to be read: ``(volume_offset, fs_type, inode, path, priority,
        sort_key, size, ref_json, volume_key)``; with ``skip_recorded`` (a resumed walk), those
        whose record is already stored are not queued again."""
        if not skip_recorded:
            self.db.executemany(f"{self._QUEUE} VALUES(?,?,?,?,?,?,?,?,?,?)", ((scan_id, *row) for row in rows))
            return
        self.db.executemany(
            f"{self._QUEUE} SELECT :0,:1,:2,:3,:4,:5,:6,:7,:8,:9 WHERE NOT EXISTS (SELECT 1 FROM file_rows f"
            " WHERE f.scan_id=:0 AND f.volume_offset=:1 AND f.inode=:3 AND f.path=:4 AND f.volume_key=:9)",
            ({str(i): v for i, v in enumerate((scan_id, *row))} for row in rows))

    def resume_queue(self, scan_id: int, walked: bool, resumed: bool) -> None:
        """Before a scan (re)starts: a finished walk keeps its queue, with what a killed run had
        taken but not recorded released; an unfinished walk is done again from the start (then
        files already recorded are looked up by key, through an index kept until :meth:`walk_done`)."""
        with self.transaction():
            if not walked:
                self.db.execute("DELETE FROM pending WHERE scan_id=?", (scan_id,))
                if resumed:
                    self.db.execute(self._KEY_INDEX)
                return
            if resumed:
                self.db.execute(self._KEY_INDEX)
                self.db.execute(f"DELETE FROM pending WHERE scan_id=? AND taken=1 AND EXISTS (SELECT 1 FROM"
                                f" file_rows f WHERE {self._KEY})", (scan_id,))
                self.db.execute("DROP INDEX file_rows_key")
            self.db.execute("UPDATE pending SET taken=0 WHERE scan_id=? AND taken=1", (scan_id,))

    def walk_done(self) -> None:
        """The resumed walk is over: the key index it needed would only slow down inserts."""
        self.db.execute("DROP INDEX IF EXISTS file_rows_key")

    def take(self, scan_id: int, max_files: int, max_bytes: int, max_chars: int) -> list[sqlite3.Row]:
        """The next files to read, most urgent first, then in disk order; all of one volume (by
        offset and key: a shadow copy shares its live volume's offset), at most ``max_bytes`` of
        content and ``max_chars`` of description (one file at least)."""
        rows = self.db.execute(
            "SELECT seq, volume_offset, fs_type, size, ref, volume_key FROM pending WHERE scan_id=? AND taken=0"
            " ORDER BY priority, sort_key LIMIT ?", (scan_id, max_files)).fetchall()
        out: list[sqlite3.Row] = []
        nbytes = nchars = 0
        for row in rows:
            if out and (row["volume_offset"] != out[0]["volume_offset"] or row["volume_key"] != out[0]["volume_key"]
                        or nbytes + row["size"] > max_bytes or nchars + len(row["ref"]) > max_chars):
                break
            out.append(row)
            nbytes += row["size"]
            nchars += len(row["ref"])
        if out:
            self.db.executemany("UPDATE pending SET taken=1 WHERE seq=?", [(r["seq"],) for r in out])
        return out

    def release(self, seqs: Iterable[int]) -> None:
        """Files handed to a worker that died, back to the queue."""
        self.db.executemany("UPDATE pending SET taken=0 WHERE seq=?", [(seq,) for seq in seqs])

    def has_queued(self, scan_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM pending WHERE scan_id=? AND taken=0 LIMIT 1",
                               (scan_id,)).fetchone() is not None

    def queued(self, scan_id: int) -> tuple[int, int]:
        """Files and bytes not yet handed out."""
        row = self.db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM pending WHERE scan_id=? AND taken=0",
                              (scan_id,)).fetchone()
        return int(row[0]), int(row[1])

    def unrecorded(self, scan_id: int) -> int:
        """Files a scan listed that have no record yet: still queued, or handed to a worker
        when the scan stopped (queue entries stay until the scan completes)."""
        # a set difference (two sorts), not a join: file_rows has no index on these columns
        return self.count("SELECT COUNT(*) FROM (SELECT volume_offset, volume_key, inode, path FROM pending WHERE"
                          " scan_id=? EXCEPT SELECT volume_offset, volume_key, inode, path FROM file_rows WHERE"
                          " scan_id=?)", scan_id, scan_id)

    def scan_totals(self, scan_ids: Iterable[int]) -> dict[str, int]:
        """What scans recorded in all, whichever run recorded it (a resumed scan has several)."""
        ids = list(scan_ids) or [-1]
        marks = ",".join("?" * len(ids))
        row = self.db.execute(
            "SELECT COALESCE(SUM(container IS NULL), 0), COALESCE(SUM(container IS NOT NULL), 0),"
            " COALESCE(SUM(deleted), 0), COALESCE(SUM(alert), 0), COALESCE(SUM(known_good), 0),"
            f" COALESCE(SUM(warning_count), 0) FROM file_rows WHERE scan_id IN ({marks})", ids).fetchone()
        warnings = self.count(f"SELECT COUNT(*) FROM warning_rows WHERE scan_id IN ({marks})", *ids)
        return {"files": row[0], "archive_members": row[1], "deleted": row[2], "alerts": row[3],
                "known_good": row[4], "warnings": row[5] + warnings}

    def recorded(self, scan_id: int) -> tuple[int, int]:
        """Files (of the file systems, not archive members) and bytes already recorded by a scan."""
        row = self.db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM file_rows WHERE scan_id=?"
                              " AND container IS NULL", (scan_id,)).fetchone()
        return int(row[0]), int(row[1])

    # -- hash sets --------------------------------------------------------
    def record_hashset(self, name: str, kind: str, fmt: str, source_path: str, source_sha256: str,
                       entries: int, imported_at: str) -> None:
        """Record a set used by a scan, and log it: a hit must be traceable to the exact list."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO hashsets VALUES(?,?,?,?,?,?,?)",
                            (name, kind, fmt, source_path, source_sha256, entries, imported_at))
        self.log_action("hash set loaded", name=name, kind=kind, format=fmt, source_path=source_path,
                        source_sha256=source_sha256, entries=entries, imported_at=imported_at)
