"""Project VIC VICS 2.0 JSON (``#Media``) of the alerts, and on request of the
pictures in no hash set: what goes back to Project VIC or to another force,
and what forensix itself reads back as a hash set (``scan --hashset``).

One ``Media`` per distinct content (copies are its ``MediaFiles``), with MD5
and SHA-1, the SHA-256 and the PDQ hash (when the record has one) under
``AlternativeHashes``, the category and media ID the matching set gave, and
``IsPrecategorized`` true (the category came from a hash match, not from a
person). A category that the default scheme would keep quiet is left out (and
named in ``Comments``), so the export read back alerts where the original
alerted. A picture in no set has no category: it is for someone to categorise,
and read back as a set it alerts, since uncategorised known-bad material does.

Copies are grouped by content in a temporary on-disk SQLite table, so memory
stays bounded however many pictures a case holds.
"""
from __future__ import annotations

import itertools
import json
import sqlite3
from typing import IO, Any, Mapping

from forensix.case.store import CaseStore
from forensix.exports import ExportOptions
from forensix.hashsets.schemes import DEFAULT_SCHEME, get_scheme

NAME = "vics"
DESCRIPTION = "Project VIC VICS 2.0 JSON of the alerts (and, with --include unknown-pictures, of new pictures)"

CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
UNKNOWN_PICTURES = "unknown-pictures"


def write(store: CaseStore, out: IO[str], options: ExportOptions) -> dict[str, int]:
    pictures = UNKNOWN_PICTURES in options.include
    spool = sqlite3.connect("")  # a private temporary database on disk, gone when closed
    try:
        spool.execute("CREATE TABLE copies(content TEXT NOT NULL, seq INTEGER NOT NULL, copy TEXT NOT NULL)")
        records = last_id = 0
        for record in store.export_records():
            last_id = max([last_id, *filter(None, map(_numeric_id, record.get("hash_matches") or ()))])
            copy = _copy(record, options, pictures)
            if copy is not None:
                spool.execute("INSERT INTO copies VALUES(?,?,?)", (copy["content"], records, json.dumps(copy)))
                records += 1
        rows = spool.execute("SELECT content, copy FROM copies ORDER BY content, seq")
        out.write(json.dumps({"@odata.context": CONTEXT})[:-1] + ', "value": [')
        media = 0
        for media, (_, group) in enumerate(itertools.groupby(rows, key=lambda row: row[0]), 1):
            item = _media(last_id + media, [json.loads(c) for _, c in group])
            out.write(("," if media > 1 else "") + "\n" + json.dumps(item, ensure_ascii=False))
        out.write("\n]}\n")
    finally:
        spool.close()
    return {"records": records, "media": media}


def _copy(record: Mapping[str, Any], options: ExportOptions, pictures: bool) -> dict[str, Any] | None:
    """What the export needs of one file, or None when it is not exported."""
    matches = record.get("hash_matches") or []
    alerts = [m for m in matches if m.get("alert")]
    content = record.get("sha256") or record.get("sha1") or record.get("md5")
    if not content:
        return None  # content never read: nothing to identify it by
    if not alerts and not (pictures and not matches and str(record.get("mime") or "").startswith("image/")):
        return None
    file = {"FileName": record.get("name"), "FilePath": f"{record.get('evidence')}:{record.get('path')}"}
    for key, field in (("Created", "crtime"), ("Written", "mtime"), ("Accessed", "atime")):
        text = options.zone.iso(record, field)
        if text:
            file[key] = text
    file["Unallocated"] = bool(record.get("deleted"))
    pdq = record.get("pdq")
    return {"content": content, "md5": record.get("md5"), "sha1": record.get("sha1"), "sha256": record.get("sha256"),
            "size": record.get("size"), "pdq": pdq.get("hash") if isinstance(pdq, dict) else None,
            "match": alerts[0] if alerts else None, "file": file}


def _media(number: int, copies: list[dict[str, Any]]) -> dict[str, Any]:
    first = copies[0]
    match = first["match"]
    media: dict[str, Any] = {"MediaID": _media_id(match, number)}
    comments = []
    if match is not None:
        category = match.get("category")
        if category is not None and get_scheme(DEFAULT_SCHEME).alerts(str(category)):
            media["Category"] = int(category) if str(category).isdigit() else category
        elif category is not None:
            comments.append(f"category {category} in {match.get('set')} (alerting there)")
        comments.append(f"matched hash set {match.get('set')}"
                        + (f", media id {match['media_id']}" if match.get("media_id") else ""))
    if first["md5"]:
        media["MD5"] = first["md5"].upper()
    if first["sha1"]:
        media["SHA1"] = first["sha1"].upper()
    if first["size"] is not None:
        media["MediaSize"] = first["size"]
    media["IsPrecategorized"] = match is not None
    alternatives = [{"HashName": "SHA256", "HashValue": first["sha256"]}] if first["sha256"] else []
    if first["pdq"]:
        alternatives.append({"HashName": "PDQ", "HashValue": first["pdq"]})
    if alternatives:
        media["AlternativeHashes"] = alternatives
    media["MediaFiles"] = [c["file"] for c in copies]
    if comments:
        media["Comments"] = "; ".join(comments)
    return media


def _media_id(match: Mapping[str, Any] | None, spare: int) -> int | str:
    """The set's media ID, so the content keeps the identity it has in the list it
    came from; else a number above every media ID the case's matches name."""
    media_id = match.get("media_id") if match else None
    if media_id:
        return _numeric_id(match) or media_id
    return spare


def _numeric_id(match: Mapping[str, Any] | None) -> int | None:
    media_id = str(match.get("media_id") or "") if match else ""
    return int(media_id) if media_id.isdigit() else None
