"""The report's near matches: pictures whose PDQ hash is close to a listed known-bad picture's.

A near match is an alert like an exact one, but weaker evidence (visually
alike, not the same bytes), so it is listed after the exact alerts and
counted apart. A file that also matched exactly is an exact alert only.
Listed by provenance, set, category, media ID, distance and orientation:
like every alert, never shown.
"""
from __future__ import annotations

from typing import Any

from forensix.pdq import ORIENTATION_WORDS, THRESHOLD
from forensix.report.leads import json_or_empty


def near_matches(builder: Any) -> dict[str, Any]:
    """Context for ``report_templates/near_matches.html.j2`` from a
    :class:`forensix.report.context.ContextBuilder`: ``ran`` (the last scan ran
    the pdq plugin), ``threshold``, ``items`` (one per file and listed picture,
    nearest first) and ``files`` (how many files)."""
    scan = builder.last_scan()
    threshold = (scan.get("options") or {}).get("pdq_threshold", THRESHOLD)
    rows = builder.db.execute(
        "SELECT f.detail, files.* FROM findings f JOIN files ON files.id = f.file_id"
        " WHERE f.kind = 'pdq_alert' AND f.file_id NOT IN (SELECT file_id FROM findings WHERE kind = 'hash_alert')"
        " ORDER BY CAST(json_extract(f.detail, '$.distance') AS INTEGER), files.evidence_id, files.path")
    items = []
    for row in rows:
        match = json_or_empty(row["detail"])
        items.append({
            "file_id": row["id"], "exhibit": builder.labels.get(row["evidence_id"], "?"), "path": row["path"],
            "deleted": bool(row["deleted"]), "container": row["container"], "sha256": row["sha256"],
            "set": match.get("set"), "category": match.get("category"), "media_id": match.get("media_id"),
            "distance": match.get("distance"),
            "orientation": ORIENTATION_WORDS.get(match.get("orientation"), match.get("orientation")),
        })
    return {"ran": "pdq" in (scan.get("plugins") or {}), "threshold": threshold, "items": items,
            "files": len({i["file_id"] for i in items})}
