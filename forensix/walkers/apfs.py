"""Walking one APFS volume (libfsapfs): files by their APFS identifier; a non-empty
resource fork is a file of its own, ``FILE:com.apple.ResourceFork``, inode
``ID-4353-N`` as The Sleuth Kit names that attribute."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.engine.units import FileRef
from forensix.records import ChunkReader
from forensix.volumes.layer import LIBRARY_ERRORS
from forensix.walkers import libyalfs

RESOURCE_FORK = "com.apple.ResourceFork"
RSRC_TYPE = 4353
"""TSK_FS_ATTR_TYPE_APFS_RSRC."""


def walk(volume: Any, volume_offset: int, warn: libyalfs.Warn) -> Iterator[FileRef]:
    yield from libyalfs.walk(volume, f"APFS volume at offset {volume_offset}", lambda entry: entry.get_identifier(),
                             _resource_fork, warn)


def _resource_fork(entry: Any, ident: int, path: str) -> Iterator[FileRef]:
    try:
        attributes = [a.get_name() for a in entry.extended_attributes]
        if RESOURCE_FORK not in attributes:
            return
        size = entry.get_extended_attribute_by_name(RESOURCE_FORK).get_size()
    except LIBRARY_ERRORS:
        return
    if size:
        number = attributes.index(RESOURCE_FORK) + 1  # TSK numbers extended attributes from 1
        yield libyalfs.ref(entry, f"{path}:{RESOURCE_FORK}", f"{ident}-{RSRC_TYPE}-{number}", ident, size,
                           attr=(RSRC_TYPE, number), stream=RESOURCE_FORK)


def reader(volume: Any, ref: FileRef) -> ChunkReader | None:
    return libyalfs.reader(volume.get_file_entry_by_identifier, ref,
                           lambda entry, _: entry.get_extended_attribute_by_name(RESOURCE_FORK))
