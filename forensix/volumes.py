"""Find every file system in an image: in each partition of a DOS/MBR (extended
partitions included) or GPT table, or at offset 0 for a bare file system."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import pytsk3

Warn = Callable[[str], None]

TSK_ERRORS = (OSError, RuntimeError)
"""What pytsk3 raises: OSError (IOError) for TSK's own errors, RuntimeError wrapping an
error our image adapter raised while TSK was reading (a missing segment, a bad chunk)."""


@dataclass(frozen=True, slots=True)
class Volume:
    offset: int
    """Byte offset of the file system in the image."""
    length: int | None
    description: str
    slot: int | None
    """TSK's partition address (as ``mmls`` prints it), ``None`` for a bare file system."""


def find_filesystems(image: pytsk3.Img_Info, warn: Warn) -> Iterator[tuple[Volume, pytsk3.FS_Info | None]]:
    """Yield each volume with its opened file system, or ``None`` where none is recognised.

    A partition whose file system TSK does not recognise costs a warning, not the
    scan. Where a partition table yields no file system at all, offset 0 is still
    tried, since a bare file system can look like a partition table.
    """
    partitions = list(_partitions(image, warn))
    opened = 0
    for volume in partitions:
        fs = _open_fs(image, volume.offset)
        if fs is None:
            warn(f"partition {volume.slot:03d} in mmls numbering ({volume.description}) at offset {volume.offset}: "
                 "no file system recognised; not walked")
        else:
            opened += 1
        yield volume, fs
    if opened:
        return
    fs = _open_fs(image, 0)
    if fs is not None:
        yield Volume(0, image.get_size(), "file system without partition table", None), fs
    elif not partitions:
        warn("no partition table or file system recognised")
        yield Volume(0, image.get_size(), "no partition table or file system recognised", None), None


def _partitions(image: pytsk3.Img_Info, warn: Warn) -> Iterator[Volume]:
    try:
        table = pytsk3.Volume_Info(image)
    except TSK_ERRORS:
        return  # no partition table: a bare file system, handled by the caller
    block = table.info.block_size
    for part in table:
        if not part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
            continue  # table entries and unallocated gaps hold no file system
        description = part.desc.decode("utf-8", "replace")
        offset, length = part.start * block, part.len * block
        if offset >= image.get_size():
            warn(f"partition {part.addr:03d} in mmls numbering ({description}) starts at byte {offset},"
                 " past the end of the image")
            continue
        yield Volume(offset, length, description, part.addr)


def _open_fs(image: pytsk3.Img_Info, offset: int) -> pytsk3.FS_Info | None:
    try:
        return pytsk3.FS_Info(image, offset=offset)
    except TSK_ERRORS:
        return None
