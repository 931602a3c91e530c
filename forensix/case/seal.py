"""The seal of a scan: one SHA-256 over everything a completed scan of an evidence
item produced, written into the log entry that closes the scan.

The action log is hash-chained, so a seal in it cannot be changed unseen; the seal
in turn covers the rows the report and the exports are made from, so a changed
digest, a deleted alert or a deleted warning in the case database no longer goes
unnoticed. The definition, simple enough to recompute by hand (README, "Sealed
records"):

* Each section below is one query, run with the evidence item's id, the scan's id
  and ``warnings_upto`` (the last warning id when the scan was sealed: warnings
  not tied to a scan, such as a plugin that failed to start, are covered up to it).
* Each row is one line: every column as a netstring (``LEN:BYTES,``: the stored
  bytes, an integer as its decimal digits; NULL as ``~,``), then ``\\n``.
* A section's digest is the SHA-256 of its lines; the seal is the SHA-256 of the
  five section digests (64 hex characters each) written one after the other.

Rows are taken in the order the case stores them (their ids), so sealing reads
each table once, in bounded memory, with no sort but the findings'.

To say *which* record changed, not only that something did, the scan also writes
a list beside the case (``seals/scan-N.jsonl.gz``, its SHA-256 in the sealing log
entry): one line per volume, warning and file with its key (id, volume, path,
inode) and a CRC-32 of each other field, and per file the plugin, kind and CRC-32
of each finding. The CRCs only point at what changed; the SHA-256 decides whether
anything did. Checking records against a seal is :mod:`forensix.case.sealcheck`.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from forensix.atomicfile import HashingSink, atomic_writer
from forensix.case.custody import case_relative
from forensix.case.schema import SCAN_COMPLETE
from forensix.case.store import CaseStore

SEAL_VERSION = 1
SEALS_DIR = "seals"

EVIDENCE_COLUMNS = ("id", "path", "size", "md5", "sha1", "sha256", "end_md5", "end_sha1", "end_sha256",
                    "stored_md5", "stored_sha1")
VOLUME_FIELDS = ("length", "description", "slot", "fs_type", "label", "state", "ref")
FILE_FIELDS = ("volume_key", "fs_type", "deleted", "size", "md5", "sha1", "sha256", "container", "alert", "known_good",
               "warning_count", "record")
_WARNINGS_WHERE = ("scan_id=:scan OR (scan_id IS NULL AND (evidence_id IS NULL OR evidence_id=:evidence)"
                   " AND id<=:warnings_upto)")
SECTIONS: dict[str, str] = {
    "evidence": f"SELECT {', '.join(EVIDENCE_COLUMNS)} FROM evidence WHERE id=:evidence",
    "volumes": f"SELECT offset, volume_key, {', '.join(VOLUME_FIELDS)} FROM volume_rows WHERE scan_id=:scan"
               " ORDER BY offset, volume_key",
    "warnings": f"SELECT id, evidence_id, location, message FROM warning_rows WHERE {_WARNINGS_WHERE} ORDER BY id",
    "files": f"SELECT id, volume_offset, path, inode, {', '.join(FILE_FIELDS)} FROM file_rows WHERE scan_id=:scan"
             " ORDER BY id",
    "findings": "SELECT file_id, plugin, kind, value, detail FROM finding_rows WHERE scan_id=:scan"
                " ORDER BY file_id, plugin, kind, value, detail",
}
"""The seal's sections, in their order; the README prints these queries."""


def _pieces(row: tuple) -> list[bytes]:
    """Each column of a row as a netstring (one list comprehension: a million rows)."""
    return [b"%d:%s," % (len(v), v) if v.__class__ is bytes else b"~," if v is None else _digits(v) for v in row]


def _digits(value: Any) -> bytes:
    text = str(value).encode()  # an integer (a real, if a column was edited to hold one)
    return b"%d:%s," % (len(text), text)


def _crcs(pieces: list[bytes]) -> str:
    """A CRC-32 of each field, 8 hex digits each: enough to point at the field that changed."""
    return struct.pack(">%dI" % len(pieces), *map(zlib.crc32, pieces)).hex()


_json_string = json.encoder.encode_basestring_ascii


def _j(value: Any) -> str:
    """A stored value as JSON in the list; bytes that are not UTF-8 are kept as surrogates."""
    if value.__class__ is bytes:
        return _json_string(value.decode("utf-8", "surrogateescape"))
    return "null" if value is None else str(value)


@contextmanager
def stored_bytes(db: sqlite3.Connection) -> Iterator[None]:
    """Text columns read as the bytes stored: what the seal covers, and no decoding
    error on a byte edited in from outside."""
    before = db.text_factory
    db.text_factory = bytes
    try:
        yield
    finally:
        db.text_factory = before


@dataclass(slots=True)
class Sums:
    """The section digests and row counts, filled as the rows go by."""

    hashes: dict[str, Any] = field(default_factory=lambda: {name: hashlib.sha256() for name in SECTIONS})
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))

    def sections(self) -> dict[str, str]:
        return {name: h.hexdigest() for name, h in self.hashes.items()}

    def root(self) -> str:
        return seal_root(self.sections())


def seal_root(sections: Mapping[str, str]) -> str:
    return hashlib.sha256("".join(sections[name] for name in SECTIONS).encode()).hexdigest()


def sqlite_rank(value: Any) -> tuple:
    """SQLite's order (NULL, numbers, text) for ids a hand edit may have made text."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value if isinstance(value, str) else value.decode("utf-8", "surrogateescape"))


def _sorts_before(a: Any, b: Any) -> bool:
    if a.__class__ is int and b.__class__ is int:
        return a < b
    return sqlite_rank(a) < sqlite_rank(b)


def walk_rows(db: sqlite3.Connection, params: Mapping[str, Any], sums: Sums, entries: bool) -> Iterator[str]:
    """Hash every row of every section into ``sums``; with ``entries``, yield the list's
    line for each (volumes, warnings, then each file followed by its findings)."""
    h, n = sums.hashes, sums.rows
    for name in ("evidence", "volumes", "warnings"):
        for row in db.execute(SECTIONS[name], params):
            pieces = _pieces(row)
            h[name].update(b"".join(pieces) + b"\n")
            n[name] += 1
            if entries and name == "volumes":
                yield '["v",%s,%s,"%s"]' % (_j(row[0]), _j(row[1]), _crcs(pieces[2:]))
            elif entries and name == "warnings":
                yield '["w",%s,%s,%s,%s]' % tuple(map(_j, row))
    files, findings = h["files"], h["findings"]
    found = db.execute(SECTIONS["findings"], params)
    pending = next(found, None)

    def take(file_id: Any) -> str | None:
        """Hash the findings of one file id; their line in the list."""
        nonlocal pending
        group = []
        while pending is not None and pending[0] == file_id:
            line = b"".join(_pieces(pending)) + b"\n"
            findings.update(line)
            n["findings"] += 1
            if entries:
                group.append('[%s,%s,"%08x"]' % (_j(pending[1]), _j(pending[2]), zlib.crc32(line)))
            pending = next(found, None)
        return '["g",%s,[%s]]' % (_j(file_id), ",".join(group)) if group else None

    count = 0
    for count, row in enumerate(db.execute(SECTIONS["files"], params), 1):
        pieces = _pieces(row)
        files.update(b"".join(pieces) + b"\n")
        file_id, group = row[0], None
        # most files have no findings: the next finding is of a later file
        if pending is not None and not (pending[0].__class__ is int and pending[0] > file_id):
            while pending is not None and pending[0] != file_id and _sorts_before(pending[0], file_id):
                orphans = take(pending[0])  # findings of no file of this scan
                if orphans:
                    yield orphans
            group = take(file_id)
        if entries:
            yield '["f",%d,%s,%s,%s,"%s"]' % (file_id, _j(row[1]), _j(row[2]), _j(row[3]), _crcs(pieces[4:]))
            if group:
                yield group
    n["files"] = count
    while pending is not None:
        orphans = take(pending[0])
        if orphans:
            yield orphans


def evidence_row(db: sqlite3.Connection, evidence_id: int) -> sqlite3.Row | None:
    """The evidence item's sealed columns as they are now (the seal's first section)."""
    return db.execute(SECTIONS["evidence"], {"evidence": evidence_id}).fetchone()


def query_params(evidence_id: int, scan_id: int, warnings_upto: int) -> dict[str, int]:
    return {"evidence": evidence_id, "scan": scan_id, "warnings_upto": warnings_upto}


def compute(db: sqlite3.Connection, evidence_id: int, scan_id: int, warnings_upto: int) -> Sums:
    """The seal of these rows as they are now."""
    sums = Sums()
    with stored_bytes(db):
        for _ in walk_rows(db, query_params(evidence_id, scan_id, warnings_upto), sums, entries=False):
            pass
    return sums


def list_path(case_dir: Path, scan_id: int) -> Path:
    return Path(case_dir) / SEALS_DIR / f"scan-{scan_id}.jsonl.gz"


def seal_scan(store: CaseStore, evidence_id: int, scan_id: int) -> dict[str, Any]:
    """Seal a finished scan: write its list and return the ``seal`` of the log entry
    that closes it (the digest, each section's digest and row count, the evidence
    item's hashes as sealed, and the list's name and SHA-256)."""
    db = store.db
    upto = store.count("SELECT COALESCE(MAX(id), 0) FROM warning_rows")
    evidence = evidence_row(db, evidence_id)
    path = list_path(store.case_dir, scan_id)
    path.parent.mkdir(exist_ok=True)
    sums = Sums()
    with atomic_writer(path) as raw, gzip.GzipFile(filename="", mode="wb", fileobj=(sink := HashingSink(raw)),
                                                    compresslevel=1, mtime=0) as out:
        out.write(json.dumps({"forensix_seal_list": SEAL_VERSION, "evidence": evidence_id, "scan": scan_id}).encode()
                  + b"\n")
        lines: list[str] = []
        with stored_bytes(db):
            for line in walk_rows(db, query_params(evidence_id, scan_id, upto), sums, entries=True):
                lines.append(line)
                if len(lines) >= 4096:
                    out.write(("\n".join(lines) + "\n").encode())
                    lines = []
        if lines:
            out.write(("\n".join(lines) + "\n").encode())
    return {"version": SEAL_VERSION, "sha256": sums.root(), "sections": sums.sections(), "rows": dict(sums.rows),
            "warnings_upto": upto, "evidence": {k: evidence[k] for k in EVIDENCE_COLUMNS},
            "list": case_relative(store.case_dir, path), "list_sha256": sink.sha256.hexdigest()}


def drop_superseded_lists(store: CaseStore, evidence_id: int) -> None:
    """The lists of scans a completed scan replaced describe rows that are gone."""
    for scan in store.scans(evidence_id):
        if scan["status"] != SCAN_COMPLETE:
            list_path(store.case_dir, scan["id"]).unlink(missing_ok=True)
