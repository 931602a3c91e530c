"""What crosses between machines in a distributed scan, as JSON and nothing else.

A unit of work, the scan's setup and the records a worker makes are plain data
already (:mod:`forensix.engine.units`, :mod:`forensix.engine.setup`,
:class:`forensix.case.storedrecord.StoredRecord`); here they become JSON and back,
exactly. Pickle never crosses a machine: whoever can write to the broker could
otherwise run code on every worker and on the examiner's machine.
"""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Callable

from forensix.case.storedrecord import StoredRecord
from forensix.engine.setup import PluginSpec, ScanSetup
from forensix.engine.units import EvidenceRef, VolumeRef, WorkUnit, ref_from_json, ref_to_json


def unit_to_data(unit: WorkUnit) -> dict[str, Any]:
    return {"unit_id": unit.unit_id, "evidence": asdict(unit.evidence), "volume": unit.volume.to_json(),
            "files": [ref_to_json(ref) for ref in unit.files], "seqs": list(unit.seqs)}


def unit_from_data(data: dict[str, Any], map_path: Callable[[str], str] = str) -> WorkUnit:
    """The unit, with its evidence at the path this machine reads it from."""
    evidence = EvidenceRef(**{**data["evidence"], "path": map_path(data["evidence"]["path"])})
    return WorkUnit(int(data["unit_id"]), evidence, VolumeRef.from_json(data["volume"]),
                    tuple(ref_from_json(text) for text in data["files"]), tuple(int(s) for s in data["seqs"]))


def unit_check(unit: WorkUnit) -> list[Any]:
    """What a result must name to be taken as an answer to ``unit``: evidence id, volume, queue entries."""
    return [unit.evidence.evidence_id, unit.volume.offset, unit.volume.key, list(unit.seqs)]


def setup_to_data(setup: ScanSetup) -> dict[str, Any]:
    """The setup without its shared-memory budget and without secrets (see :func:`setup_from_data`)."""
    return {"case_dir": setup.case_dir, "plugins": asdict(setup.plugins), "hashsets": list(setup.hashsets),
            "options": [list(pair) for pair in setup.options], "file_timeout": setup.file_timeout,
            "shadow_copies": setup.shadow_copies}


def setup_from_data(data: dict[str, Any], case_dir: str, hashsets: tuple[str, ...],
                    map_path: Callable[[str], str] = str) -> ScanSetup:
    """A worker's setup: its own scratch folder for archive spools (never the case folder, which
    is on the examiner's machine), the hash-set folders it found, plugin folders where it sees them.
    The archive expansion budget is then each worker process's own: see the README's Lab section.
    No keys of encrypted volumes: they never leave the examiner's machine."""
    plugins = data["plugins"]
    spec = PluginSpec(tuple(map_path(p) for p in plugins["plugins_dirs"]), tuple(plugins["enable"]),
                      tuple(plugins["disable"]), bool(plugins["entry_points"]))
    return ScanSetup(case_dir, spec, hashsets, tuple((k, v) for k, v in data["options"]), float(data["file_timeout"]),
                     shadow_copies=bool(data["shadow_copies"]))


def record_to_data(row: StoredRecord) -> list[Any]:
    return [list(row.columns), [list(f) for f in row.findings], list(row.alerts), row.warnings, row.bytes_read]


def record_from_data(data: list[Any]) -> StoredRecord:
    columns, findings, alerts, warnings, bytes_read = data
    return StoredRecord(tuple(columns), tuple(tuple(f) for f in findings), tuple(alerts), int(warnings),
                        int(bytes_read))


def encode(message: list[Any]) -> bytes:
    """ASCII JSON: a path's lone surrogates (undecodable names) survive as ``\\udcxx`` escapes."""
    return json.dumps(message, separators=(",", ":")).encode("ascii")


def decode(data: bytes) -> list[Any]:
    message = json.loads(data)
    if not isinstance(message, list) or not message or not isinstance(message[0], str):
        raise ValueError("not a forensix message")
    return message
