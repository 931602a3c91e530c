"""LUKS (1 and 2) through libluksde, unlocked with a password."""
from __future__ import annotations

from typing import Iterator

from forensix.volumes.layer import Found, Opened, Scope, VolumePath, encrypted, open_encrypted, reopened
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
    return open_encrypted(volume, place, {PASSWORD: volume.set_password}, secrets, kind, "header", "--password")
