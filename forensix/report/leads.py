"""The leads that point to people and places: photos (camera, serial, time,
position) and network identifiers, each grouped so one thing is one row: a
picture copied five times is one photo with five locations, an address found in
two files lists two files and says so.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any, Callable

from forensix.report.times import exif_time

FILES_PER_IDENTIFIER = 50
"""Files listed under one network identifier; the rest are counted."""
NETWORK_KINDS = ("ipv4", "ipv6", "email", "url")


def camera_text(make: Any, model: Any) -> str:
    """Make and model without saying the make twice: cameras often repeat it in
    the model (``Canon`` + ``Canon EOS 40D``); a longer make (``NIKON
    CORPORATION`` + ``NIKON D750``) is kept in brackets, since it is what the file says."""
    make, model = str(make or "").strip(), str(model or "").strip()
    if not make or not model:
        return make or model
    if model.lower().startswith(make.lower()):
        return model
    if model.lower().startswith(make.split()[0].lower()):
        return f"{model} ({make})"
    return f"{make} {model}"


def photos(db: sqlite3.Connection, copy: Callable[[sqlite3.Row], dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per distinct picture (SHA-256) with EXIF, its copies listed; GPS first."""
    rows = db.execute("SELECT * FROM files WHERE json_extract(record, '$.exif') IS NOT NULL"
                      " ORDER BY evidence_id, volume_offset, path")
    by_content: dict[str, dict[str, Any]] = {}
    for row in rows:
        item = copy(row)
        exif = item["record"].get("exif")
        if not isinstance(exif, dict):
            continue
        key = item["sha256"] or f"unread:{item['file_id']}"
        photo = by_content.get(key)
        if photo is None:
            photo = by_content[key] = {
                "sha256": item["sha256"], "exif": exif, "camera": camera_text(exif.get("make"), exif.get("model")),
                "taken": exif_time(exif.get("datetime_original")),
                "gps": gps(exif.get("gps_latitude"), exif.get("gps_longitude")), "copies": [], "first": item}
        photo["copies"].append(item)
    return sorted(by_content.values(), key=lambda p: p["gps"] is None)


def network(db: sqlite3.Connection, labels: dict[int, str]) -> list[dict[str, Any]]:
    """Identifiers grouped by value, public addresses first. ``files`` counts the
    files an identifier is in (what the row lists); ``occurrences`` how often in all."""
    rows = db.execute(
        "SELECT f.kind, f.value, f.detail, files.evidence_id, files.path, files.deleted,"
        " (SELECT group_concat(DISTINCT json_extract(i.value, '$.encoding'))"
        "  FROM json_each(files.record, '$.identifiers') i WHERE json_extract(i.value, '$.value')=f.value)"
        " AS encodings"
        " FROM findings f JOIN files ON files.id=f.file_id"
        f" WHERE f.kind IN ({','.join('?' * len(NETWORK_KINDS))}) ORDER BY f.kind, f.value,"
        " files.evidence_id, files.path", NETWORK_KINDS)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        detail = json_or_empty(row["detail"])
        group = groups.setdefault((row["kind"], row["value"]), {
            "kind": row["kind"], "value": row["value"], "scope": detail.get("scope"),
            "occurrences": 0, "files": [], "file_count": 0})
        count = int(detail.get("count") or 1)
        group["occurrences"] += count
        group["file_count"] += 1
        if len(group["files"]) < FILES_PER_IDENTIFIER:
            encodings = sorted(e for e in (row["encodings"] or "").split(",") if e and e != "ascii")
            group["files"].append({"exhibit": labels.get(row["evidence_id"], "?"), "path": row["path"],
                                   "offset": detail.get("first_offset"), "deleted": bool(row["deleted"]),
                                   "count": count, "encodings": [e.upper() for e in encodings]})
    return sorted(groups.values(), key=lambda g: (g["scope"] != "public", NETWORK_KINDS.index(g["kind"]),
                                                  g["value"]))


def gps(lat: Any, lon: Any) -> dict[str, str] | None:
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


def json_or_empty(text: str | None) -> Any:
    """A JSON column of the case; a value that is not JSON reads as empty, never an error."""
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}
