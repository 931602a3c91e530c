"""A file's record as the case stores it, made in the process that analysed the file
(a worker, or a machine of a distributed scan), so the one process writing the case
only inserts rows."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

from forensix.records import FileRecord


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as the case stores it, made where it was analysed (a worker), so the
    main process only inserts: ``columns`` of ``file_rows`` after the ids, and the
    findings as ``(plugin, kind, value, detail_json)``."""

    columns: tuple[Any, ...]
    findings: tuple[tuple[str, str, str, str], ...]
    alerts: tuple[dict[str, Any], ...]
    """The alerting hash matches, for the live console line."""
    warnings: int
    bytes_read: int

    def __reduce__(self) -> tuple:
        """Pickled as its values: results cross from workers by the thousand."""
        return StoredRecord, (self.columns, self.findings, self.alerts, self.warnings, self.bytes_read)

    @property
    def is_member(self) -> bool:
        return self.columns[9] is not None

    @property
    def deleted(self) -> bool:
        return bool(self.columns[4])

    @property
    def known_good(self) -> bool:
        return bool(self.columns[11])

    @property
    def path(self) -> str:
        return self.columns[2]


def to_json(value: Any) -> str:
    """Compact JSON of a record: orjson is eight times faster than the standard library here, and
    every file's record is made into JSON; values orjson refuses (text holding lone surrogates)
    take the standard library's way."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def stored_record(record: FileRecord, volume: Any = None) -> StoredRecord:
    """``volume`` (a :class:`forensix.engine.units.VolumeRef`) adds which volume the file came
    from to the export record (``volume``, ``snapshot``) and its key to the row."""
    e, d = record.entry, record.digests
    matches = record.analysis.get("hash_matches") or []
    alerts = tuple(m for m in matches if m.get("alert"))
    known_good = not alerts and any(m.get("kind") == "known-good" for m in matches)
    export = record.to_export()
    if volume is not None:
        _volume_keys(export, volume)
    columns = (e.volume_offset, e.fs_type, e.path, e.inode, int(e.deleted), e.size, d.md5, d.sha1, d.sha256,
               e.container, int(bool(alerts)), int(known_good), len(record.warnings), to_json(export),
               volume.key if volume is not None else "")
    findings = tuple((f.plugin, f.kind, f.value, to_json(dict(f.detail))) for f in record.findings)
    return StoredRecord(columns, findings, alerts, len(record.warnings), d.bytes_read)


def _volume_keys(export: dict[str, Any], volume: Any) -> None:
    """The export keys that say which volume a file came from."""
    if volume.label:
        export["volume"] = volume.label
    if volume.snapshot is not None:
        export["snapshot"] = volume.snapshot
