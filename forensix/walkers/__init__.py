"""Listing the files of a file system (The Sleuth Kit) or of a folder, metadata only,
and reopening one of them by its address to read its content."""
from __future__ import annotations

from typing import Any

from forensix.engine.units import FileRef
from forensix.records import ChunkReader
from forensix.walkers import apfs, tsk, xfs


def reader(fs_type: str, fs: Any, ref: FileRef, image: Any = None) -> ChunkReader | None:
    """A reader of one file of a volume opened by :func:`forensix.volumes.open_volume`, by the walker
    that listed it: libyal's for APFS and XFS, The Sleuth Kit's for every other file system (which
    reads straight from ``image`` where it can). The scan's workers and the report read files alike."""
    if fs_type == "apfs":
        return apfs.reader(fs, ref)
    if fs_type == "xfs":
        return xfs.reader(fs, ref)
    return tsk.reader(fs, ref, image)
