"""NIST NSRL RDSv3 SQLite: the "minimal" layout and the full edition's views.

Both expose ``FILE(sha256, sha1, md5, crc32, file_name, file_size,
package_id)`` and ``PKG``; the database is opened read-only and immutable
through a URI so nothing (not even a journal) is ever written beside it.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from forensix.hashsets.entries import HashEntry, HashSetError, ReadLog, parse_digest

FORMAT = "nsrl-rdsv3"
DEFAULT_KIND = "known-good"
MAGIC = b"SQLite format 3\x00"
PROGRESS_EVERY = 1 << 16


def sniff(head: bytes) -> bool:
    return head.startswith(MAGIC)


def connect(path: Path) -> sqlite3.Connection:
    """Read-only, immutable: the database may sit on write-protected media."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True)


def read(path: Path, log: ReadLog) -> Iterator[HashEntry]:
    try:
        db = connect(path)
        columns = {row[1].lower() for row in db.execute("PRAGMA table_info(FILE)")}
    except sqlite3.Error as exc:
        raise HashSetError(f"{path}: not a readable SQLite database: {exc}") from None
    try:
        if not {"sha256", "sha1", "md5", "file_name", "file_size", "package_id"} <= columns:
            raise HashSetError(f"{path}: SQLite database without an NSRL RDSv3 FILE table")
        yield from _rows(db, log, _packages(db))
    finally:
        db.close()


def _packages(db: sqlite3.Connection) -> dict[int, str]:
    """package_id -> metadata text, shared by all the files of a package."""
    try:
        rows = db.execute("SELECT package_id, name, version FROM PKG").fetchall()
    except sqlite3.Error:
        return {}
    return {pid: json.dumps({"package_id": pid, "package": f"{name} {version}".strip()})
            for pid, name, version in rows}


def _rows(db: sqlite3.Connection, log: ReadLog, packages: dict[int, str]) -> Iterator[HashEntry]:
    try:
        log.total = db.execute("SELECT max(rowid) FROM FILE").fetchone()[0] or 0
    except sqlite3.Error:  # the full edition's FILE is a view without rowid
        log.total = 0
    query = "SELECT sha256, sha1, md5, file_name, file_size, package_id FROM FILE"
    for number, (sha256, sha1, md5, name, size, package) in enumerate(db.execute(query), 1):
        try:
            yield HashEntry(
                parse_digest(md5, "md5") if md5 else None,
                parse_digest(sha1, "sha1") if sha1 else None,
                parse_digest(sha256, "sha256") if sha256 else None,
                None, None, name, size if isinstance(size, int) else None,
                packages.get(package) or (json.dumps({"package_id": package}) if package is not None else None),
            )
        except (ValueError, TypeError) as exc:
            log.reject(f"row {number}", str(exc))
        if not number % PROGRESS_EVERY:
            log.position(number)
    log.position(log.total)
