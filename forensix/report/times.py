"""File times as the report shows them: each labelled with what it is.

A file system records times on one of three bases, and a court must not be
told a device's wall clock is UTC:

* UTC: NTFS, ext2/3/4, HFS+, folders, tar and gzip members (``...Z``);
* the device's local time with no zone: FAT12/16/32 and exFAT store the clock
  of the machine that wrote them. The scan writes these as read (``Z`` only
  marks the format, the same on every examiner's machine); ``report
  --device-timezone ZONE`` converts them to UTC when the examiner knows the zone;
* a ZIP member's DOS time (no ``Z``): the local time of the machine that made
  the archive, whose zone is unknown.

FAT's access "time" is a date only: shown as a date, never ``T00:00:00Z``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from forensix.walkers.tsk import ZONE_LESS_FS

UTC = "UTC"
DEVICE = "device local time (FAT, no zone)"
ARCHIVE = "local time of the archive's maker (no zone)"
TIME_FIELDS = (("mtime", "modified"), ("atime", "accessed"), ("ctime", "changed"), ("crtime", "created"))


def is_device_local(fs_type: str | None) -> bool:
    return fs_type in ZONE_LESS_FS


class TimeFormatter:
    """One report's way of showing times: the examiner's ``--device-timezone``, if any."""

    def __init__(self, device_timezone: str | None = None) -> None:
        self.zone = ZoneInfo(device_timezone) if device_timezone else None
        self.converted = f"UTC (converted from device local time, zone {device_timezone} as given)"

    def basis(self, fs_type: str | None, value: str | None = None) -> str:
        """The label of a time column for this file system (and value)."""
        if value and not value.endswith("Z"):
            return ARCHIVE
        if is_device_local(fs_type):
            return self.converted if self.zone is not None else DEVICE
        return UTC

    def show(self, value: str | None, fs_type: str | None, field: str = "mtime") -> str:
        """``2025-08-15 09:32:00`` on the basis :meth:`basis` names; a FAT access date as a date."""
        if not value:
            return ""
        text = value.rstrip("Z").replace("T", " ")
        if fs_type and fs_type.startswith("fat") and field == "atime":
            return text[:10]  # FAT keeps the day of last access, no time
        if self.zone is not None and is_device_local(fs_type) and value.endswith("Z"):
            try:
                local = datetime.fromisoformat(text).replace(tzinfo=self.zone)
            except ValueError:
                return text
            return local.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        return text

    def times(self, record: dict, fs_type: str | None) -> dict[str, str]:
        """``{field: text}`` of the times a record has (``mtime``, ``atime``, ``ctime``, ``crtime``)."""
        return {field: self.show(record.get(field), fs_type, field) for field, _ in TIME_FIELDS if record.get(field)}


def exif_time(value: str | None) -> str:
    """EXIF ``2025:07:22 00:19:00`` (the camera's clock, no zone) as ``2025-07-22 00:19:00``."""
    if not value:
        return ""
    date, _, clock = str(value).partition(" ")
    return f"{date.replace(':', '-')} {clock}".strip()
