"""File times as each interchange format needs them.

The export record gives every time as UTC ISO-8601, except where the medium
holds no zone: FAT and exFAT store the device's local time, which the walker
keeps as written (marked ``Z`` so it reads the same on every examiner's
machine), and a zip's DOS time has no zone at all (no ``Z``). A format that can
say "no zone" (DFXML, CASE's ``xsd:dateTime``) says so; one that needs UNIX
seconds (the bodyfile) gets the wall clock as if it were UTC, unless the
examiner names the device's time zone, which turns such times into true UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from forensix.walkers.tsk import ZONE_LESS_FS



class DeviceZone:
    """How zone-less times are to be read: as written, or in a named time zone."""

    def __init__(self, name: str | None = None) -> None:
        try:
            self.zone = ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (use a name such as Europe/London)") from None
        self.name = name

    def moment(self, record: Mapping[str, Any], field: str) -> datetime | None:
        """The time ``field`` of ``record``; naive when it has no zone and none was named."""
        text = record.get(field)
        if not text:
            return None
        try:
            stamp = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            return None
        if stamp.tzinfo is not None and record.get("fs_type") in ZONE_LESS_FS:
            stamp = stamp.replace(tzinfo=None)  # the 'Z' only pins it; the device had no zone
        if stamp.tzinfo is None and self.zone is not None:
            stamp = stamp.replace(tzinfo=self.zone).astimezone(timezone.utc)
        return stamp

    def iso(self, record: Mapping[str, Any], field: str) -> str | None:
        """ISO-8601, with ``Z`` only when the time is known to be UTC."""
        stamp = self.moment(record, field)
        if stamp is None:
            return None
        text = stamp.replace(tzinfo=None).isoformat()
        return text + "Z" if stamp.tzinfo is not None else text

    def unix(self, record: Mapping[str, Any], field: str) -> int:
        """Whole UNIX seconds; a zone-less time counts as UTC; 0 for none (the bodyfile's 'no time')."""
        stamp = self.moment(record, field)
        if stamp is None:
            return 0
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        return max(int(stamp.timestamp()), 0)
