"""The walker of each kind of file system: libyal's for APFS and XFS, The Sleuth Kit's for
every other. Listing a volume's files (the walker process) and reading one of them again (the
scan's workers, the report's thumbnails) go through the same choice."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from forensix.engine.units import FileRef
from forensix.records import ChunkReader
from forensix.walkers import apfs, tsk, xfs

_LIBYAL = {"apfs": apfs, "xfs": xfs}
"""File systems The Sleuth Kit does not read."""


def walk(fs_type: str, fs: Any, volume_offset: int, warn: Callable[[str], None],
         mapped: bool = True) -> Iterator[FileRef]:
    """The files of a volume opened by :func:`forensix.volumes.open_volume` (``mapped``: its bytes lie
    in the image as they are, so The Sleuth Kit's files can be read straight from it)."""
    if fs_type in _LIBYAL:
        return _LIBYAL[fs_type].walk(fs, volume_offset, warn)
    return tsk.walk(fs, volume_offset, warn, mapped=mapped)


def reader(fs_type: str, fs: Any, ref: FileRef, image: Any = None) -> ChunkReader | None:
    """A reader of one file of such a volume (The Sleuth Kit's reads straight from ``image`` where it can)."""
    if fs_type in _LIBYAL:
        return _LIBYAL[fs_type].reader(fs, ref)
    return tsk.reader(fs, ref, image)
