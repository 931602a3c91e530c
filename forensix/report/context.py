"""Everything the report shows, as plain data queried from the case store.

The templates only lay this out; every figure here is one query on the case
database, so a report can be reproduced and each number traced to its rows.
Values stay raw strings: escaping is the template's job (autoescape is on).
The alerts are laid out by :mod:`forensix.report.alerts`, photos and network
identifiers by :mod:`forensix.report.leads`, times by :mod:`forensix.report.times`.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby, islice
from typing import Any, Iterator

from forensix.case.custody import read_log, verify_chain
from forensix.case.integrity import ALGORITHMS, compare_stored
from forensix.case.scanstate import COMPLETE, exhibit_states, nothing_scanned
from forensix.case.sealcheck import check_case
from forensix.case.store import CaseStore
from forensix.report import alerts, leads
from forensix.report.actionlog import describe
from forensix.report.leads import json_or_empty as _json
from forensix.report.times import TimeFormatter

APPENDIX_CHUNK = 1000
"""Rows per folder table: a directory of 100,000 files is a run of tables, each one laid out quickly."""
SHOWN_WARNINGS = 500


@dataclass(frozen=True, slots=True)
class ReportOptions:
    all_files: bool = False
    show_thumbnails: bool = False
    device_timezone: str | None = None
    """The zone the seized device's clock was set to; device local times are then also given in UTC."""


class ContextBuilder:
    """Queries the store section by section; ``appendix`` stays a generator so
    100,000 files are streamed into the HTML, never held in memory."""

    def __init__(self, store: CaseStore, options: ReportOptions) -> None:
        self.store = store
        self.db = store.db
        self.options = options
        self.actions, self.log_damage = read_log(store.db)
        self.labels = {r["id"]: (r["exhibit"] or r["label"]) for r in store.evidence()}
        self.times = TimeFormatter(options.device_timezone)
        self.hashsets = {r["name"]: dict(r) for r in self.db.execute("SELECT * FROM hashsets ORDER BY name")}
        self._seals: dict[str, Any] | None = None

    # -- provenance of one file ----------------------------------------------
    def copy(self, row: sqlite3.Row) -> dict[str, Any]:
        record = _json(row["record"])
        fs_type = row["fs_type"]
        first_time = next((record.get(t) for t in ("mtime", "crtime", "ctime", "atime") if record.get(t)), None)
        return {
            "exhibit": self.labels.get(row["evidence_id"], "?"), "evidence_id": row["evidence_id"],
            "volume_offset": row["volume_offset"], "volume_key": row["volume_key"], "fs_type": fs_type,
            "inode": row["inode"], "path": row["path"], "deleted": bool(row["deleted"]), "size": row["size"],
            "sha256": row["sha256"], "md5": row["md5"], "container": row["container"],
            "time_by_field": self.times.times(record, fs_type), "time_basis": self.times.basis(fs_type, first_time),
            "record": record, "alert": bool(row["alert"]), "file_id": row["id"],
        }

    # -- cover ------------------------------------------------------------------
    def cover(self) -> dict[str, Any]:
        starts = [a["at"] for a in self.actions if a["action"] == "scan started"]
        ends = [a["at"] for a in self.actions if a["action"] == "scan finished"]
        exhibits = [dict(r) for r in self.store.evidence()]
        return {"info": self.store.info(), "exhibits": exhibits,
                "scan_started": starts[0] if starts else None, "scan_finished": ends[-1] if ends else None,
                "scans": len(starts)}

    def scan_status(self) -> dict[str, Any]:
        """Per exhibit, whether its scan completed: ``state`` is ``complete``,
        ``incomplete`` (``files_done`` of ``files_total``: recorded, plus listed and
        still waiting) or ``not scanned``. The cover's status line and the
        INCOMPLETE banner are drawn from this."""
        states = exhibit_states(self.store)
        exhibits = [{**s.as_dict(), "words": s.words()} for s in states]
        return {"exhibits": exhibits, "scanned": not nothing_scanned(states),
                "complete": bool(states) and all(s.state == COMPLETE for s in states)}

    def seals(self) -> dict[str, Any]:
        """Each exhibit's records against the seal of its scan (checked once per report):
        ``items`` by evidence id, and what contradicts the log (``problems``)."""
        if self._seals is None:
            result = check_case(self.store, self.actions)
            items = {}
            for check in result.checks:
                items[check.evidence_id] = {
                    "exhibit": check.exhibit, "scan": check.scan_id, "seq": check.seq, "sealed": check.sealed,
                    "now": check.now,
                    "carried": check.carried, "intact": check.intact, "summary": check.summary(),
                    "problems": [str(p) for p in check.problems], "more": check.more, "notes": check.notes}
            self._seals = {"items": items, "problems": [str(p) for p in result.problems],
                           "unsealed": result.unsealed}
        return self._seals

    def volume_tree(self) -> dict[str, list[dict[str, Any]]]:
        """Per exhibit, every volume its scan found in disk order, indented by how many layers
        (partition, encryption, logical volume, shadow copy) lie above it, with what was locked."""
        tree: dict[str, list[dict[str, Any]]] = {}
        for row in self.db.execute("SELECT * FROM volumes ORDER BY evidence_id, id"):
            chain = _json(row["ref"])[2] if row["ref"] else []
            tree.setdefault(self.labels.get(row["evidence_id"], "?"), []).append({
                "label": row["label"] or row["fs_type"] or "", "description": row["description"],
                "offset": row["offset"], "fs_type": row["fs_type"], "state": row["state"],
                "depth": len(chain) - (1 if row["fs_type"] and chain and chain[-1][0] == "partition" else 0)})
        return tree

    def last_scan(self) -> dict[str, Any]:
        for action in reversed(self.actions):
            if action["action"] == "scan started":
                return _json(action["details"])
        return {}

    # -- summary ----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        count = self.store.count
        public_ips, documentation_ips = (
            count("SELECT COUNT(DISTINCT value) FROM findings WHERE kind IN ('ipv4','ipv6')"
                  " AND json_extract(detail, '$.scope')=?", scope) for scope in ("public", "documentation"))
        return {
            "files": count("SELECT COUNT(*) FROM files WHERE container IS NULL"),
            "archive_members": count("SELECT COUNT(*) FROM files WHERE container IS NOT NULL"),
            "deleted": count("SELECT COUNT(*) FROM files WHERE deleted=1"),
            "alerts": count("SELECT COUNT(DISTINCT file_id) FROM findings WHERE kind='hash_alert'"),
            "alert_hashes": count("SELECT COUNT(DISTINCT value) FROM findings WHERE kind='hash_alert'"),
            "alert_categories": alerts.category_counts(self.db),
            "known_good": count("SELECT COUNT(*) FROM files WHERE known_good=1"),
            "disguised": count("SELECT COUNT(*) FROM files WHERE json_extract(record, '$.extension_mismatch')=1"),
            "gps_photos": count("SELECT COUNT(DISTINCT file_id) FROM findings WHERE kind='gps'"),
            "public_ips": public_ips,
            "documentation_ips": documentation_ips,
            "warnings": count("SELECT COUNT(*) FROM warnings")
            + count("SELECT COALESCE(SUM(warning_count), 0) FROM files"),
            "plugin_load_failures": self.last_scan().get("plugin_load_failures", []),
        }

    # -- findings ---------------------------------------------------------------
    def alerts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(index, groups)``: see :func:`forensix.report.alerts.alert_groups`."""
        return alerts.alert_groups(self.db, self.copy)

    def quiet_matches(self) -> dict[str, Any]:
        return alerts.quiet_matches(self.db, self.labels)

    def disguised(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM files WHERE json_extract(record, '$.extension_mismatch')=1"
                               " ORDER BY evidence_id, volume_offset, path")
        return [self.copy(r) for r in rows]

    def photos(self) -> list[dict[str, Any]]:
        return leads.photos(self.db, self.copy)

    def network(self) -> list[dict[str, Any]]:
        return leads.network(self.db, self.labels)

    def hashsets_used(self) -> list[dict[str, Any]]:
        """The sets the case used, each with the schemes its categories were read with."""
        schemes = alerts.schemes_used(self.db)
        return [{**h, "schemes": schemes.get(name, [])} for name, h in self.hashsets.items()]

    # -- integrity and custody ----------------------------------------------------
    def integrity(self) -> list[dict[str, Any]]:
        verified = defaultdict(list)
        for action in self.actions:
            if action["action"] == "evidence verified":
                details = _json(action["details"])
                verified[details.get("path")].append({"at": action["at"], **details})
        out = []
        for ev in self.store.evidence():
            start = {a: ev[a] for a in ALGORITHMS}
            end = {a: ev[f"end_{a}"] for a in ALGORITHMS}
            stored = {"md5": ev["stored_md5"], "sha1": ev["stored_sha1"]}
            if not any(start.values()):
                start_end = "not hashed"
            elif not any(end.values()):
                start_end = "no second pass (the default: forensix verify-evidence re-hashes the media on request)"
            else:
                start_end = "match" if start == end else "mismatch"
            out.append({"exhibit": ev["exhibit"] or ev["label"], "path": ev["path"], "format": ev["format"],
                        "seal": self.seals()["items"].get(ev["id"]), "unsealed": self.seals()["unsealed"].get(ev["id"]),
                        "start": start, "end": end, "stored": stored,
                        "stored_status": compare_stored(stored, start) if any(stored.values()) else "none stored",
                        "start_end": start_end, "verifications": verified.get(ev["path"], [])})
        return out

    def action_log(self) -> dict[str, Any]:
        """Every entry in plain words (the table) and in full (the appendix)."""
        entries = [{**a, "summary": describe(a["action"], a["details"])} for a in self.actions]
        problems = self.log_damage + verify_chain(self.actions)
        return {"entries": entries, "problems": [str(p) for p in problems]}

    def warnings(self) -> dict[str, Any]:
        scan = list(islice(self.db.execute(
            "SELECT w.location, w.message, e.label FROM warnings w LEFT JOIN evidence e ON e.id=w.evidence_id"
            " ORDER BY w.id"), SHOWN_WARNINGS))
        files = []
        for row in self.db.execute("SELECT * FROM files WHERE warning_count>0 ORDER BY evidence_id, path"):
            for text in _json(row["record"]).get("warnings") or []:
                if len(scan) + len(files) >= SHOWN_WARNINGS:
                    break
                files.append({"label": self.labels.get(row["evidence_id"]), "location": row["path"],
                              "message": text})
        return {"items": [dict(r) for r in scan] + files}

    # -- appendix ---------------------------------------------------------------------
    def _appendix_where(self) -> str:
        """Alerts are in the alert index already; known-good files only with ``--all-files``."""
        return "WHERE alert=0" + ("" if self.options.all_files else " AND known_good=0")

    def appendix_count(self) -> int:
        return self.store.count(f"SELECT COUNT(*) FROM files {self._appendix_where()}")

    def appendix(self) -> Iterator[dict[str, Any]]:
        """Blocks of at most APPENDIX_CHUNK rows, one directory per block, each with
        the basis of its times (UTC or the device's local time) in its heading."""
        # rtrim(path, <path without '/'>) strips the file name: the directory sorts as one block
        rows = self.db.execute(
            "SELECT id, evidence_id, volume_offset, fs_type, path, deleted, size, md5, sha256, known_good,"
            " json_extract(record, '$.mtime') AS mtime, json_extract(record, '$.extension_mismatch') AS mismatch,"
            " rtrim(path, replace(path, '/', '')) AS dir"
            f" FROM files {self._appendix_where()} ORDER BY evidence_id, volume_offset, dir, path")
        for (evidence_id, offset, directory), group in groupby(
                rows, key=lambda r: (r["evidence_id"], r["volume_offset"], r["dir"])):
            part = 0
            while chunk := list(islice(group, APPENDIX_CHUNK)):
                part += 1
                basis = self.times.basis(chunk[0]["fs_type"], next((r["mtime"] for r in chunk if r["mtime"]), None))
                yield {"exhibit": self.labels.get(evidence_id, "?"), "volume_offset": offset,
                       "directory": directory or "/", "part": part, "time_basis": basis,
                       "rows": [self._appendix_row(r, basis) for r in chunk]}

    def _appendix_row(self, row: sqlite3.Row, basis: str) -> dict[str, Any]:
        mtime = self.times.show(row["mtime"], row["fs_type"])
        own = self.times.basis(row["fs_type"], row["mtime"])
        return {"name": row["path"].rsplit("/", 1)[-1], "deleted": bool(row["deleted"]), "size": row["size"],
                "mismatch": bool(row["mismatch"]), "known_good": bool(row["known_good"]),
                "mtime": f"{mtime} ({own})" if mtime and own != basis else mtime,
                "md5": row["md5"], "sha256": row["sha256"]}
