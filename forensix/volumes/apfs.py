"""APFS containers through libfsapfs: every volume of a container is a file system of its
own (walked by :mod:`forensix.walkers.apfs`); an encrypted volume opens with --password
or --recovery-key. Records carry the container's offset, as The Sleuth Kit's do."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.volumes.layer import LIBRARY_ERRORS, Found, Scope, VolumePath, reason, refusal, unlock
from forensix.volumes.secrets import PASSWORD, RECOVERY_KEY, Secrets
from forensix.volumes.streams import Place

OPTIONS = "--password or --recovery-key"


def explore(scope: Scope, place: Place, path: VolumePath, depth: int) -> Iterator[Found]:
    try:
        container = _container(place)
        count = container.get_number_of_volumes()
    except LIBRARY_ERRORS as exc:
        scope.warn(f"APFS container {path.where(place)}: cannot be read ({reason(exc)})")
        yield Found(path.then(("apfs", None, None), "apfs").ref(place, None), place,
                    f"APFS container, not readable: {reason(exc)}", state="not readable")
        return
    for index in range(count):
        try:
            volume = container.get_volume(index)
            name = volume.get_name() or f"volume {index + 1}"
        except LIBRARY_ERRORS as exc:
            scope.warn(f"APFS volume {index + 1} {path.where(place)}: cannot be read ({reason(exc)})")
            continue
        kind, tried = _unlock(volume, scope.secrets)
        ours = path.then(("apfs", index, kind), f"apfs volume {index + 1} ({name})")
        if tried is not None:
            scope.warn(f"APFS volume {index + 1} ({name}) {path.where(place)} is encrypted: "
                       + refusal(tried, scope.secrets, OPTIONS))
            yield Found(ours.ref(place, None), place, f"APFS volume {name}, encrypted, locked", state="locked")
            continue
        yield Found(ours.ref(place, "apfs"), place, f"APFS volume {name}"
                    + (f", encrypted, unlocked with the {kind}" if kind else ""), volume,
                    state=f"unlocked with {kind}" if kind else None)


def reopen_fs(place: Place, step: tuple, secrets: Secrets) -> Any:
    """The APFS volume a worker reads files of."""
    volume = _container(place).get_volume(step[1])
    kind, tried = _unlock(volume, secrets, step[2])
    if tried is not None:
        raise IOError("the encrypted APFS volume cannot be unlocked again")
    return volume


def _container(place: Place) -> Any:
    import pyfsapfs

    container = pyfsapfs.container()
    container.open_file_object(place.file_object())
    return container


def _unlock(volume: Any, secrets: Secrets, kind: str | None = None) -> tuple[str | None, list[str] | None]:
    """``(kind of key that unlocked it, None)``, ``(None, None)`` for a volume not encrypted, or
    ``(None, kinds of key tried)`` for one that stays locked."""
    if not volume.is_locked():
        return None, None
    opened, tried = unlock(volume, {PASSWORD: volume.set_password, RECOVERY_KEY: volume.set_recovery_password},
                           secrets, kind)
    return (opened, None) if opened else (None, tried)
