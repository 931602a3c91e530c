"""Everything the report shows, as plain data queried from the case store.

The templates only lay this out; every figure here is one query on the case
database, so a report can be reproduced and each number traced to its rows.
Values stay raw strings: escaping is the template's job (autoescape is on).
"""
from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import groupby, islice
from typing import Any, Iterator

from forensix.casestore import CaseStore
from forensix.custody import verify_chain
from forensix.integrity import ALGORITHMS, compare_stored

APPENDIX_CHUNK = 1000
"""Rows per ``<details>`` block: a directory of 100,000 files stays openable."""
APPENDIX_OPEN = 2000
"""Up to this many rows the appendix blocks are open, so a small case prints whole."""
FILES_PER_IDENTIFIER = 50
"""Files listed under one network identifier; the rest are counted."""
SHOWN_WARNINGS = 500
NETWORK_KINDS = ("ipv4", "ipv6", "email", "url")
_TIMES = ("mtime", "atime", "ctime", "crtime")


@dataclass(frozen=True, slots=True)
class ReportOptions:
    all_files: bool = False
    show_thumbnails: bool = False


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


class ContextBuilder:
    """Queries the store section by section; ``appendix`` stays a generator so
    100,000 files are streamed into the HTML, never held in memory."""

    def __init__(self, store: CaseStore, options: ReportOptions) -> None:
        self.store = store
        self.db = store.db
        self.options = options
        self.actions = store.actions()
        self.labels = {r["id"]: (r["exhibit"] or r["label"]) for r in store.evidence()}

    # -- provenance of one file ----------------------------------------------
    def copy(self, row: sqlite3.Row) -> dict[str, Any]:
        record = _json(row["record"])
        return {
            "exhibit": self.labels.get(row["evidence_id"], "?"), "volume_offset": row["volume_offset"],
            "inode": row["inode"], "path": row["path"], "deleted": bool(row["deleted"]), "size": row["size"],
            "sha256": row["sha256"], "md5": row["md5"], "container": row["container"],
            "times": {t: record.get(t) for t in _TIMES}, "record": record,
            "alert": bool(row["alert"]), "file_id": row["id"],
        }

    # -- cover ------------------------------------------------------------------
    def cover(self) -> dict[str, Any]:
        starts = [a["at"] for a in self.actions if a["action"] == "scan started"]
        ends = [a["at"] for a in self.actions if a["action"] == "scan finished"]
        exhibits = [dict(r) for r in self.store.evidence()]
        return {"info": self.store.info(), "exhibits": exhibits,
                "scan_started": starts[0] if starts else None, "scan_finished": ends[-1] if ends else None,
                "scans": len(starts)}

    def last_scan(self) -> dict[str, Any]:
        for action in reversed(self.actions):
            if action["action"] == "scan started":
                return _json(action["details"])
        return {}

    # -- summary ----------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        count = self.store.count
        categories = Counter()
        for row in self.db.execute(
                "SELECT DISTINCT file_id, json_extract(detail, '$.set') AS hset,"
                " json_extract(detail, '$.category') AS cat FROM findings WHERE kind='hash_alert'"):
            categories[(row["hset"] or "?", row["cat"] if row["cat"] is not None else "—")] += 1
        public_ips, documentation_ips = (
            count("SELECT COUNT(DISTINCT value) FROM findings WHERE kind IN ('ipv4','ipv6')"
                  " AND json_extract(detail, '$.scope')=?", scope) for scope in ("public", "documentation"))
        return {
            "files": count("SELECT COUNT(*) FROM files WHERE container IS NULL"),
            "archive_members": count("SELECT COUNT(*) FROM files WHERE container IS NOT NULL"),
            "deleted": count("SELECT COUNT(*) FROM files WHERE deleted=1"),
            "alerts": count("SELECT COUNT(DISTINCT file_id) FROM findings WHERE kind='hash_alert'"),
            "alert_hashes": count("SELECT COUNT(DISTINCT value) FROM findings WHERE kind='hash_alert'"),
            "alert_categories": sorted((s, c, n) for (s, c), n in categories.items()),
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
    def alerts(self) -> list[dict[str, Any]]:
        """One entry per distinct content (SHA-256), with every copy of it."""
        hashsets = {r["name"]: dict(r) for r in self.db.execute("SELECT * FROM hashsets")}
        rows = self.db.execute("SELECT * FROM files WHERE sha256 IN (SELECT sha256 FROM files WHERE alert=1)"
                               " ORDER BY sha256, evidence_id, volume_offset, path")
        out = []
        for sha256, group in groupby(rows, key=lambda r: r["sha256"]):
            copies = [self.copy(r) for r in group]
            matches = {}
            for c in copies:
                for m in c["record"].get("hash_matches") or []:
                    if m.get("alert") and m.get("match") != "pdq":  # near matches have their own list
                        key = (m.get("set"), m.get("category"), m.get("media_id"))
                        matches[key] = {**m, "hashset": hashsets.get(m.get("set"), {})}
            if matches:
                out.append({"sha256": sha256, "md5": copies[0]["md5"], "size": copies[0]["size"],
                            "matches": list(matches.values()), "copies": copies})
        out.sort(key=lambda a: (min(str(m.get("category")) for m in a["matches"]) if a["matches"] else "", a["sha256"]))
        return out

    def disguised(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM files WHERE json_extract(record, '$.extension_mismatch')=1"
                               " ORDER BY evidence_id, volume_offset, path")
        return [self.copy(r) for r in rows]

    def photos(self) -> list[dict[str, Any]]:
        """Pictures with EXIF, the ones with GPS first."""
        rows = self.db.execute("SELECT * FROM files WHERE json_extract(record, '$.exif') IS NOT NULL"
                               " ORDER BY evidence_id, volume_offset, path")
        out = []
        for row in rows:
            item = self.copy(row)
            exif = item["record"].get("exif") or {}
            if not isinstance(exif, dict):
                continue
            item["exif"] = exif
            lat, lon = exif.get("gps_latitude"), exif.get("gps_longitude")
            item["gps"] = _gps(lat, lon)
            out.append(item)
        out.sort(key=lambda p: p["gps"] is None)
        return out

    def network(self) -> list[dict[str, Any]]:
        """Identifiers grouped by value: public addresses first, then the rest."""
        rows = self.db.execute(
            "SELECT f.kind, f.value, f.detail, files.* FROM findings f JOIN files ON files.id=f.file_id"
            f" WHERE f.kind IN ({','.join('?' * len(NETWORK_KINDS))}) ORDER BY f.kind, f.value,"
            " files.evidence_id, files.path", NETWORK_KINDS)
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            detail = _json(row["detail"])
            group = groups.setdefault((row["kind"], row["value"]), {
                "kind": row["kind"], "value": row["value"], "scope": detail.get("scope"),
                "count": 0, "files": [], "file_count": 0})
            group["count"] += int(detail.get("count") or 1)
            group["file_count"] += 1
            if len(group["files"]) < FILES_PER_IDENTIFIER:
                group["files"].append({"exhibit": self.labels.get(row["evidence_id"], "?"), "path": row["path"],
                                       "offset": detail.get("first_offset"), "deleted": bool(row["deleted"])})
        return sorted(groups.values(), key=lambda g: (g["scope"] != "public", NETWORK_KINDS.index(g["kind"]),
                                                      g["value"]))

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
                start_end = "not hashed at the end"
            else:
                start_end = "match" if start == end else "mismatch"
            out.append({"exhibit": ev["exhibit"] or ev["label"], "path": ev["path"], "format": ev["format"],
                        "start": start, "end": end, "stored": stored,
                        "stored_status": compare_stored(stored, start) if any(stored.values()) else "none stored",
                        "start_end": start_end, "verifications": verified.get(ev["path"], [])})
        return out

    def action_log(self) -> dict[str, Any]:
        return {"entries": [dict(a) for a in self.actions],
                "problems": [str(p) for p in verify_chain(self.actions)]}

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
    def appendix_count(self) -> int:
        return self.store.count("SELECT COUNT(*) FROM files" + ("" if self.options.all_files else " WHERE known_good=0"))

    def appendix(self) -> Iterator[dict[str, Any]]:
        """Blocks of at most APPENDIX_CHUNK rows, one directory per block."""
        where = "" if self.options.all_files else "WHERE known_good=0"
        # rtrim(path, <path without '/'>) strips the file name: the directory sorts as one block
        rows = self.db.execute(
            "SELECT id, evidence_id, volume_offset, path, deleted, size, md5, sha256, alert, known_good,"
            " json_extract(record, '$.mtime') AS mtime, json_extract(record, '$.extension_mismatch') AS mismatch,"
            " rtrim(path, replace(path, '/', '')) AS dir"
            f" FROM files {where} ORDER BY evidence_id, volume_offset, dir, path")
        for (evidence_id, offset, directory), group in groupby(
                rows, key=lambda r: (r["evidence_id"], r["volume_offset"], r["dir"])):
            part = 0
            while chunk := list(islice(group, APPENDIX_CHUNK)):
                part += 1
                yield {"exhibit": self.labels.get(evidence_id, "?"), "volume_offset": offset,
                       "directory": directory or "/", "part": part, "rows": chunk}


def _gps(lat: Any, lon: Any) -> dict[str, str] | None:
    """Coordinates as text and as links written out as text (the report fetches nothing)."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    text = f"{lat:.6f},{lon:.6f}"
    return {"text": text, "geo": f"geo:{text}",
            "osm": f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"}
