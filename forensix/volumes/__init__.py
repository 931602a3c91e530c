"""Every volume a seizure holds, found from content at any depth.

Discovery starts from the evidence image and goes down through whatever it
meets: partition tables (DOS/MBR, GPT), BitLocker (To Go included), LUKS,
LVM2, APFS containers, and Volume Shadow Copies of NTFS volumes, so a
partition that is BitLocker that holds NTFS with shadow copies is found too.
Each file system at the bottom is walked like any other (The Sleuth Kit's, or
APFS and XFS through libyal); what is recognised but cannot be read (locked,
damaged, Btrfs, F2FS, ReFS) costs a warning that names it.

Every volume is addressed as plain data (:class:`forensix.engine.units.VolumeRef`:
its chain of layer steps), so a worker reopens it with :func:`open_volume` from
the evidence and the scan's secrets alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from forensix.engine.units import VolumeRef
from forensix.volumes import apfs, bde, luks, lvm, vss, xfs
from forensix.volumes.detect import NOT_READABLE, detect
from forensix.volumes.layer import TSK_ERRORS, Found, Scope, VolumePath, Warn
from forensix.volumes.partitions import Partition, open_tsk, partitions
from forensix.volumes.secrets import NONE, Secrets
from forensix.volumes.streams import Place

__all__ = ["TSK_ERRORS", "Found", "OpenedVolume", "Secrets", "discover", "open_volume", "recognised"]

MAX_DEPTH = 8
"""Layers within layers deeper than any real disk; a guard against a volume that contains itself."""
_LAYERS = {"bitlocker": bde, "luks": luks, "lvm": lvm, "apfs": apfs, "xfs": xfs}
_REOPEN = {"bitlocker": bde.reopen, "luks": luks.reopen, "lvm": lvm.reopen, "vss": vss.reopen}


def discover(image: Any, warn: Warn, secrets: Secrets = NONE, shadow_copies: bool = True) -> Iterator[Found]:
    """Every volume of an evidence image, in disk order, each shadow copy after its live volume."""
    explorer = _Explorer(Scope(secrets, warn, shadow_copies))
    yield from explorer.explore(_root(image), VolumePath(), 0)


def recognised(image: Any) -> bool:
    """Whether anything at all is recognised in the image (a file system, a partition, a layer);
    the few reads of a layer's signature first, a discovery only failing that."""
    return detect(_root(image)) is not None or any(found.recognised for found in discover(image, lambda _: None))


@dataclass(frozen=True, slots=True)
class OpenedVolume:
    fs: Any
    """A pytsk3 ``FS_Info``, or the libyal volume for APFS and XFS."""
    place: Place
    """Where it lies; ``place.stream`` is what its reads go through (its ``failed_reads`` count holes)."""


def open_volume(image: Any, volume: VolumeRef, secrets: Secrets = NONE) -> OpenedVolume:
    """Reopen a volume discovery found, from its chain of steps (in a worker)."""
    root = _root(image)
    if volume.key == "":  # at most partitions: the offset says where, as before layers existed
        place = root.slice(volume.offset, root.length - volume.offset)
    else:
        place = root
        for step in volume.chain:
            if step[0] == "partition":
                place = place.slice(step[2], step[3])
            elif step[0] == "apfs":
                return OpenedVolume(apfs.reopen_fs(place, step, secrets), place)
            else:
                place = _REOPEN[step[0]](place, step, secrets)
    if volume.fs_type == "xfs":
        return OpenedVolume(xfs.open_fs(place), place)
    import pytsk3

    return OpenedVolume(pytsk3.FS_Info(place.stream.tsk, offset=place.offset), place)


def _root(image: Any) -> Place:
    return Place(image, 0, image.size)


class _Explorer:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        scope.explore = self.explore

    def explore(self, place: Place, path: VolumePath, depth: int, part: Partition | None = None) -> Iterator[Found]:
        warn = self.scope.warn
        if depth > MAX_DEPTH:
            warn(f"volumes nested more than {MAX_DEPTH} deep {path.where(place)}: not followed further")
            return
        layer = detect(place)
        if layer in _LAYERS:
            yield from _LAYERS[layer].explore(self.scope, place, path, depth)
            return
        if layer in NOT_READABLE:
            name = NOT_READABLE[layer][0]
            warn(f"{name} file system {path.where(place)}: recognised, but forensix cannot read it; "
                 "its files are not listed")
            yield Found(path.ref(place, None), place, f"{name} file system (not readable)", slot=_slot(part),
                        state="not readable")
            return
        if depth:  # inside a partition or a layer: a file system first, a nested table only failing that
            fs = open_tsk(place)
            if fs is not None:
                yield from self._tsk(place, path, fs, part)
                return
        table = partitions(place, warn, f" ({' / '.join(path.labels)})" if path.labels else "")
        usable = False
        for sub in table:
            for found in self.explore(place.slice(sub.offset, sub.length), path.then(sub.step, sub.label),
                                      depth + 1, sub):
                usable = usable or found.recognised
                yield found
        if usable:
            return
        if not depth and (fs := open_tsk(place)) is not None:
            yield from self._tsk(place, path, fs, part)
        elif part is not None:
            warn(f"partition {part.slot:03d} in mmls numbering ({part.description}) at offset {place.volume_offset}: "
                 "no file system recognised; not walked")
            yield Found(path.ref(place, None), place, part.description, slot=part.slot)
        elif not table:
            where = "" if not path.labels else f" {path.where(place)}"
            warn(f"no partition table or file system recognised{where}")
            yield Found(path.ref(place, None), place, "no partition table or file system recognised")

    def _tsk(self, place: Place, path: VolumePath, fs: Any, part: Partition | None) -> Iterator[Found]:
        from forensix.walkers.tsk import fs_type_name

        fs_type = fs_type_name(fs)
        description = part.description if part is not None else (
            "file system without partition table" if not path.labels else f"file system in {' / '.join(path.labels)}")
        yield Found(path.ref(place, fs_type), place, description, fs, slot=_slot(part))
        if fs_type == "ntfs" and self.scope.vss:
            yield from vss.explore(self.scope, place, path)


def _slot(part: Partition | None) -> int | None:
    return part.slot if part is not None else None
