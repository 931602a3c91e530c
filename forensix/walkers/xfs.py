"""Walking one XFS file system (libfsxfs): files by inode number."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.engine.units import FileRef
from forensix.records import ChunkReader
from forensix.walkers import libyalfs


def walk(volume: Any, volume_offset: int, warn: libyalfs.Warn) -> Iterator[FileRef]:
    yield from libyalfs.walk(volume, f"XFS file system at offset {volume_offset}",
                             lambda entry: entry.get_inode_number(), lambda *_: iter(()), warn)


def reader(volume: Any, ref: FileRef) -> ChunkReader | None:
    return libyalfs.reader(volume.get_file_entry_by_inode, ref)
