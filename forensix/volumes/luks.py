"""LUKS (1 and 2) through libluksde, unlocked with a password."""
from __future__ import annotations

from typing import Any, Iterator

from forensix.volumes.layer import LIBRARY_ERRORS, Found, Scope, VolumePath, decoded, reason, unlock
from forensix.volumes.secrets import PASSWORD, Secrets
from forensix.volumes.streams import Place, library_stream


def explore(scope: Scope, place: Place, path: VolumePath, depth: int) -> Iterator[Found]:
    volume, kind, state, problem = _open(place, scope.secrets)
    if volume is None:
        scope.warn(f"LUKS encrypted volume {path.where(place)}: {problem}; nothing in it can be read")
        yield Found(path.then(("luks", None), "luks").ref(place, None), place,
                    f"LUKS encrypted volume, {state}: {problem}", state=state)
        return
    yield from decoded(scope, place, path.then(("luks", kind), "luks"), depth, volume, kind, "LUKS")


def reopen(place: Place, step: tuple, secrets: Secrets) -> Place:
    volume, _, _, problem = _open(place, secrets, step[1])
    if volume is None:
        raise IOError(f"the LUKS volume cannot be opened again: {problem}")
    return place.decoded(library_stream(volume, volume.get_size(), place.stream), volume)


def _open(place: Place, secrets: Secrets, kind: str | None = None) -> tuple[Any, str | None, str, str]:
    import pyluksde

    volume = pyluksde.volume()
    try:
        volume.open_file_object(place.file_object())
    except LIBRARY_ERRORS as exc:
        return None, None, "not readable", f"its header cannot be read ({reason(exc)})"
    if not volume.is_locked():
        return volume, None, "", ""
    opened, tried = unlock(volume, {PASSWORD: volume.set_password}, secrets, kind)
    if opened is not None:
        return volume, opened, "", ""
    if tried:
        return None, None, "locked", "the password given does not unlock it"
    return None, None, "locked", "it is locked; give --password to read it"
