"""LUKS (1 and 2) through libluksde, unlocked with a password."""
from __future__ import annotations

from typing import Iterator

from forensix.volumes.layer import LIBRARY_ERRORS, Found, Opened, Scope, VolumePath, encrypted, reason, reopened, unlock
from forensix.volumes.secrets import PASSWORD, Secrets
from forensix.volumes.streams import Place


def explore(scope: Scope, place: Place, path: VolumePath, depth: int) -> Iterator[Found]:
    yield from encrypted(scope, place, path, depth, _open(place, scope.secrets), "luks", "LUKS",
                         "nothing in it can be read")


def reopen(place: Place, step: tuple, secrets: Secrets) -> Place:
    return reopened(place, _open(place, secrets, step[1]), "LUKS")


def _open(place: Place, secrets: Secrets, kind: str | None = None) -> Opened:
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
