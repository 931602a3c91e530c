"""Exports of a case's file records: one module per format, each streaming from
the case store so a case of millions of files exports in bounded memory.

Every module has ``NAME``, ``DESCRIPTION`` and ``write(store, out, options)``,
which writes to the text stream ``out`` and returns its counts (``records``:
the file records it wrote, and any others the format has).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

from forensix.exports.times import DeviceZone

INCLUDES = ("unknown-pictures",)
"""What ``--include`` can add to an export (the VICS export only)."""


@dataclass(frozen=True)
class ExportOptions:
    zone: DeviceZone = field(default_factory=DeviceZone)
    """How zone-less (FAT, zip) times are to be read."""
    include: frozenset[str] = frozenset()


def formats() -> dict[str, ModuleType]:
    """The formats by name, in the order ``--format`` lists them."""
    from forensix.exports import bodyfile, case_uco, csvfile, dfxml, jsonl, vics

    return {m.NAME: m for m in (jsonl, csvfile, case_uco, dfxml, bodyfile, vics)}
