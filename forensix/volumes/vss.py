"""Volume Shadow Copies through libvshadow: each store of an NTFS volume is a volume of
its own, numbered from 1, oldest first (libvshadow's order)."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.volumes.layer import LIBRARY_ERRORS, Found, Scope, VolumePath, reason
from forensix.volumes.partitions import open_tsk
from forensix.volumes.secrets import Secrets
from forensix.volumes.streams import Place, library_stream


def explore(scope: Scope, place: Place, path: VolumePath) -> Iterator[Found]:
    """The shadow copies of the NTFS volume at ``place`` (the live volume is walked by the caller)."""
    import pyvshadow

    source = place.file_object()
    try:
        if not pyvshadow.check_volume_signature_file_object(source):
            return
        volume = pyvshadow.volume()
        volume.open_file_object(source)
        stores = list(volume.stores)
    except LIBRARY_ERRORS as exc:
        scope.warn(f"Volume Shadow Copies {path.where(place)}: cannot be read ({reason(exc)})")
        return
    for index, store in enumerate(stores):
        number = index + 1
        here = _place(place, store, volume)
        fs = open_tsk(here)
        ours = path.then(("vss", index), f"shadow copy {number}")
        created = _created(store)
        if fs is None:
            scope.warn(f"shadow copy {number} {path.where(place)} (created {created}): no file system in it")
        yield Found(ours.ref(place, "ntfs" if fs is not None else None, snapshot=number), here,
                    f"Volume Shadow Copy {number} of {len(stores)}, created {created} UTC, "
                    f"store {store.identifier}", fs)


def reopen(place: Place, step: tuple, secrets: Secrets) -> Place:
    import pyvshadow

    volume = pyvshadow.volume()
    volume.open_file_object(place.file_object())
    return _place(place, volume.get_store(step[1]), volume)


def _place(place: Place, store: Any, volume: Any) -> Place:
    return place.decoded(library_stream(store, store.get_volume_size(), place.stream), store, volume)


def _created(store: Any) -> str:
    try:
        return str(store.get_creation_time())
    except LIBRARY_ERRORS:
        return "at an unknown time"
