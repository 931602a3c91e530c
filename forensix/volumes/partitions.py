"""DOS/MBR (extended partitions included) and GPT partition tables, through The Sleuth Kit."""
from __future__ import annotations

from typing import Iterator, NamedTuple

import pytsk3

from forensix.volumes.gpt import read_gpt
from forensix.volumes.layer import TSK_ERRORS, Warn
from forensix.volumes.streams import Place


class Partition(NamedTuple):
    slot: int
    """TSK's partition address, as ``mmls`` prints it."""
    offset: int
    """Byte offset inside the place the table was read from."""
    length: int
    description: str

    @property
    def step(self) -> tuple:
        return ("partition", self.slot, self.offset, self.length)

    @property
    def label(self) -> str:
        return f"partition {self.slot}"


def partitions(place: Place, warn: Warn, where: str) -> list[Partition]:
    """The allocated partitions of a table at ``place``; none where there is no table.

    Where The Sleuth Kit sees no table, or only the protective MBR in front of a GPT
    (what it reads of a GPT that is damaged or cut short), the GPT is read here."""
    found = _tsk_partitions(place, warn, where)
    if found and not all("0xee" in p.description.lower() for p in found):
        return found
    gpt = read_gpt(place.head, place.length)
    if gpt is None or not gpt[0]:
        return found
    entries, damage = gpt
    for note in damage:
        warn(f"damaged partition table{where}: {note}")
    return [Partition(entry.number, entry.offset, min(entry.length, place.length - entry.offset),
                      f"GPT partition {entry.number}" + (f" ({entry.name})" if entry.name else ""))
            for entry in entries]


def _tsk_partitions(place: Place, warn: Warn, where: str) -> list[Partition]:
    try:
        table = pytsk3.Volume_Info(place.stream.tsk, pytsk3.TSK_VS_TYPE_DETECT, place.offset)
    except TSK_ERRORS:
        return []
    block = table.info.block_size
    out = []
    for part in _entries(table):
        if not part.flags & pytsk3.TSK_VS_PART_FLAG_ALLOC:
            continue  # table entries and unallocated gaps hold no file system
        description = part.desc.decode("utf-8", "replace")
        offset, length = part.start * block, part.len * block
        if offset >= place.length:
            warn(f"partition {part.addr:03d} in mmls numbering ({description}) starts at byte "
                 f"{place.volume_offset + offset}{where}, past the end of the image")
            continue
        out.append(Partition(part.addr, offset, length, description))
    return out


def _entries(table: pytsk3.Volume_Info) -> Iterator:
    try:
        yield from table
    except TSK_ERRORS:
        return


def open_tsk(place: Place) -> pytsk3.FS_Info | None:
    """The file system The Sleuth Kit recognises at ``place``, or ``None``."""
    try:
        return pytsk3.FS_Info(place.stream.tsk, offset=place.offset)
    except TSK_ERRORS:
        return None
