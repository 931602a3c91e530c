"""The report's "seen in other cases": what the lab's central repository knew of this case's files
and identifiers when the case was last compared with it (``forensix repo add``, ``scan --repo``).

Read from what the comparison wrote into the case (:mod:`forensix.lab.seenin`),
so the report is reproduced from the case alone. One item per value (a file's
SHA-256, a picture's PDQ hash, a camera serial, an e-mail or public IP address):
where this case holds it, and each other case and exhibit that does. Known
material is listed like any file, by path and digest: never shown.
"""
from __future__ import annotations

import json
from typing import Any

from forensix.case.custody import COMPARED_ACTION
from forensix.lab.seenin import KIND_ORDER
from forensix.report.leads import json_or_empty

KIND_WORDS = dict(zip(KIND_ORDER, ("file (SHA-256)", "picture (PDQ hash)", "camera serial", "e-mail address",
                                   "public IP address")))
SHOWN_HERE = 5
"""Files of this case listed per value; the rest are counted."""
_THERE = ("case_number", "agency", "exhibit", "date", "path")
"""What tells apart the other cases' exhibits holding a value (the same one reached through several
files here is listed once); two cases may share a number (two agencies' "2026-001"), so the agency
is part of it, and the scan date tells apart a case folder made again under the same number."""


def seen_in(builder: Any) -> dict[str, Any]:
    """Context for ``report_templates/seen_in.html.j2`` from a
    :class:`forensix.report.context.ContextBuilder`: ``compared`` (the last comparison's
    log entry details and time, or None), ``items`` (alerts first, then by kind and value)
    and ``files`` (how many files of this case were seen elsewhere)."""
    comparisons = [a for a in builder.actions if a["action"] == COMPARED_ACTION]
    compared = {**json_or_empty(comparisons[-1]["details"]), "at": comparisons[-1]["at"]} if comparisons else None
    rows = builder.db.execute(
        "SELECT s.entries, files.id, files.evidence_id, files.path, files.alert, files.deleted FROM seen_in s"
        " JOIN files ON files.id = s.file_id ORDER BY files.evidence_id, files.path, files.id") if compared else ()
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for entries, file_id, evidence_id, path, alert, deleted in rows:
        for hit in json.loads(entries or "[]"):
            key = (hit.get("kind", ""), hit.get("value", ""))
            item = items.setdefault(key, {"kind": KIND_WORDS.get(key[0], key[0]), "order": key, "value": key[1],
                                          "alert": False, "here": {}, "there": {}})
            item["alert"] |= bool(alert)
            item["here"].setdefault(file_id, {"exhibit": builder.labels.get(evidence_id, "?"), "path": path,
                                              "alert": bool(alert), "deleted": bool(deleted)})
            item["there"].setdefault(tuple(str(hit.get(k) or "") for k in _THERE), hit)
    out = []
    for item in items.values():
        here = list(item["here"].values())
        out.append({**item, "here": here[:SHOWN_HERE], "here_more": len(here) - SHOWN_HERE,
                    "there": [hit for _, hit in sorted(item["there"].items())]})
    out.sort(key=lambda i: (not i["alert"], KIND_ORDER.index(i["order"][0]) if i["order"][0] in KIND_ORDER
                            else len(KIND_ORDER), i["value"]))
    files = len({f for item in items.values() for f in item["here"]})
    return {"compared": compared, "items": out, "files": files}
