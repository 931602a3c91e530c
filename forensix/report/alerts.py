"""Known-material alerts as the report lists them.

An **index** with one row per file that alerted (exhibit, path, set, category,
deleted, size), compact enough for thousands; then the **details**, one block
per distinct content (SHA-256) with every copy of it as a row: a picture found
forty times is one block, not forty. A category is never a bare number: it is
read through the scheme the set was imported with (``1 — child abuse material
(vic-us)``).
"""
from __future__ import annotations

import sqlite3
from itertools import groupby
from typing import Any, Callable, Iterable

from forensix.hashsets.schemes import SCHEMES

QUIET_SHOWN = 500
"""Matches without alert listed by path (e.g. category 0, non-pertinent); the rest are counted."""


def category_text(match: dict[str, Any]) -> str:
    """``1 — child abuse material (vic-us)``; a list without categories says so."""
    category = match.get("category")
    if category is None:
        return "no category (the list gives none)"
    scheme = SCHEMES.get(str(match.get("scheme")))
    if scheme is None:
        return f"{category} (categorisation scheme not recorded)"
    label = scheme.label(str(category))
    return f"{category} — {label} ({scheme.name})" if label else f"{category} (no label in {scheme.name})"


def _alert_matches(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The exact (cryptographic) alerting matches: near matches have a section of their own."""
    return [m for m in record.get("hash_matches") or []
            if isinstance(m, dict) and m.get("alert") and m.get("match") != "pdq"]


def alert_groups(db: sqlite3.Connection, copy: Callable[[sqlite3.Row], dict[str, Any]]
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(index, groups)``: the index rows, numbered in exhibit and path order, and
    the content groups (``C1``, ``C2`` … by category), each copy knowing its index number."""
    rows = db.execute("SELECT * FROM files WHERE alert=1 ORDER BY sha256, evidence_id, volume_offset, path")
    groups = []
    for sha256, members in groupby(rows, key=lambda r: r["sha256"]):
        copies = [copy(r) for r in members]
        matches: dict[tuple[Any, ...], dict[str, Any]] = {}
        for c in copies:
            for m in _alert_matches(c["record"]):
                matches[(m.get("set"), m.get("category"), m.get("media_id"))] = m
        if matches:  # a file that only near-matches is listed with the near matches
            groups.append({"sha256": sha256, "md5": copies[0]["md5"], "size": copies[0]["size"],
                           "matches": list(matches.values()), "copies": copies})
    groups.sort(key=lambda g: (min((str(m.get("category")) for m in g["matches"]), default=""), g["sha256"] or ""))
    index = []
    for number, group in enumerate(groups, 1):
        group["ref"] = f"C{number}"
        for c in group["copies"]:
            index.append({**c, "ref": group["ref"], "matches": _alert_matches(c["record"])})
    index.sort(key=lambda c: (c["evidence_id"], c["volume_offset"], c["path"]))
    for number, row in enumerate(index, 1):
        row["number"] = number
        row["match_texts"] = [(m.get("set"), category_text(m)) for m in row["matches"]] or [("?", "?")]
    numbers = {row["file_id"]: row["number"] for row in index}
    for group in groups:
        for c in group["copies"]:
            c["number"] = numbers[c["file_id"]]
        group["copies"].sort(key=lambda c: c["number"])
    return index, groups


def category_counts(db: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """``(set, category text, files)`` of the alerts, for the summary."""
    counts: dict[tuple[str, str], int] = {}
    for row in db.execute("SELECT DISTINCT file_id, json_extract(detail, '$.set') AS hset,"
                          " json_extract(detail, '$.category') AS cat, json_extract(detail, '$.scheme') AS scheme"
                          " FROM findings WHERE kind='hash_alert'"):
        key = (row["hset"] or "?", category_text({"category": row["cat"], "scheme": row["scheme"]}))
        counts[key] = counts.get(key, 0) + 1
    return sorted((s, c, n) for (s, c), n in counts.items())


def quiet_matches(db: sqlite3.Connection, labels: dict[int, str]) -> dict[str, Any]:
    """Files a known-bad set lists in a category its scheme does not alert on
    (Project VIC's 0, non-pertinent): recorded, counted, listed by path only."""
    rows = db.execute(
        "SELECT DISTINCT files.id, files.evidence_id, files.path, files.deleted,"
        " json_extract(f.detail, '$.set') AS hset, json_extract(f.detail, '$.category') AS cat,"
        " json_extract(f.detail, '$.scheme') AS scheme"
        " FROM findings f JOIN files ON files.id=f.file_id WHERE f.kind='hash_known'"
        " AND json_extract(f.detail, '$.kind')='known-bad' AND files.alert=0"
        " ORDER BY files.evidence_id, files.volume_offset, files.path")
    items, total = [], 0
    for row in rows:
        total += 1
        if len(items) < QUIET_SHOWN:
            items.append({"exhibit": labels.get(row["evidence_id"], "?"), "path": row["path"],
                          "deleted": bool(row["deleted"]), "set": row["hset"],
                          "category_text": category_text({"category": row["cat"], "scheme": row["scheme"]})})
    return {"items": items, "total": total}


def schemes_used(db: sqlite3.Connection) -> dict[str, list[str]]:
    """Set name -> the categorisation schemes its matches were read with."""
    used: dict[str, list[str]] = {}
    for row in db.execute("SELECT DISTINCT json_extract(detail, '$.set'), json_extract(detail, '$.scheme')"
                          " FROM findings WHERE kind IN ('hash_alert', 'hash_known')"):
        if row[1]:
            used.setdefault(row[0], []).append(row[1])
    return used


def scheme_descriptions(names: Iterable[str]) -> list[dict[str, str]]:
    """Each scheme named, with what its categories mean, for the method section."""
    out = []
    for name in sorted(set(names)):
        scheme = SCHEMES.get(name)
        if scheme is not None:
            out.append({"name": name, "description": scheme.description,
                        "labels": "; ".join(f"{c} — {label}" for c, label in scheme.labels.items())})
    return out
