"""LVM2 through libvslvm: every logical volume of a physical volume. A linear logical
volume is read as a plain range of the disk (The Sleuth Kit reads it directly and its
files' byte runs are image offsets); any other layout through the library."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.volumes.layer import LIBRARY_ERRORS, Found, Scope, VolumePath, reason
from forensix.volumes.lvmtext import linear_offsets
from forensix.volumes.secrets import Secrets
from forensix.volumes.streams import Place, library_stream


def explore(scope: Scope, place: Place, path: VolumePath, depth: int) -> Iterator[Found]:
    try:
        handle, group = _group(place)
    except LIBRARY_ERRORS as exc:
        scope.warn(f"LVM2 physical volume {path.where(place)}: its metadata cannot be read ({reason(exc)})")
        yield Found(path.then(("lvm", None), "lvm").ref(place, None), place,
                    f"LVM2 physical volume, not readable: {reason(exc)}", state="not readable")
        return
    if group.number_of_physical_volumes > 1:
        scope.warn(f"LVM2 volume group {group.name} {path.where(place)} spans {group.number_of_physical_volumes} "
                   "physical volumes; only what lies on this one can be read")
    linear = linear_offsets(lambda offset, n: place.head(offset, n))
    for lv in group.logical_volumes:
        name = f"{group.name}/{lv.name}"
        try:
            here = _place(place, lv, linear.get(name), handle)
        except LIBRARY_ERRORS as exc:
            scope.warn(f"LVM2 logical volume {name} {path.where(place)}: cannot be read ({reason(exc)})")
            continue
        yield from scope.explore(here, path.then(("lvm", name), f"lvm:{name}"), depth + 1)


def reopen(place: Place, step: tuple, secrets: Secrets) -> Place:
    handle, group = _group(place)
    lv = next((lv for lv in group.logical_volumes if f"{group.name}/{lv.name}" == step[1]), None)
    if lv is None:
        raise IOError(f"LVM2 logical volume {step[1]} is no longer there")
    return _place(place, lv, linear_offsets(lambda offset, n: place.head(offset, n)).get(step[1]), handle)


def _group(place: Place) -> tuple[Any, Any]:
    import pyvslvm

    handle = pyvslvm.handle()
    source = place.file_object()
    handle.open_file_object(source)
    handle.open_physical_volume_files_as_file_objects([source])
    return handle, handle.get_volume_group()


def _place(place: Place, lv: Any, linear: tuple[int, int] | None, handle: Any) -> Place:
    size = lv.get_size()
    if linear is not None and linear[1] == size:
        return place.slice(linear[0], size)
    return place.decoded(library_stream(lv, size, place.stream), lv, handle)
