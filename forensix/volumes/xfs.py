"""XFS through libfsxfs (walked by :mod:`forensix.walkers.xfs`)."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.volumes.layer import LIBRARY_ERRORS, Found, Scope, VolumePath, reason
from forensix.volumes.streams import Place


def explore(scope: Scope, place: Place, path: VolumePath, depth: int) -> Iterator[Found]:
    try:
        volume = open_fs(place)
    except LIBRARY_ERRORS as exc:
        scope.warn(f"XFS file system {path.where(place)}: cannot be read ({reason(exc)}); its files are not listed")
        yield Found(path.ref(place, None), place, f"XFS file system, not readable: {reason(exc)}",
                    state="not readable")
        return
    yield Found(path.ref(place, "xfs"), place, "XFS file system", volume)


def open_fs(place: Place) -> Any:
    """The XFS volume at ``place``, for discovery and for a worker alike (nothing to unlock)."""
    import pyfsxfs

    volume = pyfsxfs.volume()
    volume.open_file_object(place.file_object())
    return volume
