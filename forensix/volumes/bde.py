"""BitLocker (and BitLocker To Go) through libbde: unlocked with a password, a recovery key
or a startup key (.BEK); a To Go volume's unencrypted discovery volume is walked either way."""
from __future__ import annotations

from typing import Iterator

from forensix.volumes.layer import Found, Opened, Scope, VolumePath, encrypted, open_encrypted, reopened
from forensix.volumes.partitions import open_tsk
from forensix.volumes.secrets import PASSWORD, RECOVERY_KEY, STARTUP_KEY, Secrets
from forensix.volumes.streams import Place

OPTIONS = "--password, --recovery-key or --startup-key"


def explore(scope: Scope, place: Place, path: VolumePath, depth: int) -> Iterator[Found]:
    discovery = open_tsk(place)
    if discovery is not None:  # To Go: a FAT volume with the reader program, outside the encryption
        from forensix.walkers.tsk import fs_type_name

        ours = path.then(None, "bitlocker to go discovery volume")
        yield Found(ours.ref(place, fs_type_name(discovery)), place, "BitLocker To Go discovery volume (not encrypted)",
                    discovery)
    yield from encrypted(scope, place, path, depth, _open(place, scope.secrets), "bitlocker", "BitLocker",
                         "nothing of its encrypted part can be read")


def reopen(place: Place, step: tuple, secrets: Secrets) -> Place:
    return reopened(place, _open(place, secrets, step[1]), "BitLocker")


def _open(place: Place, secrets: Secrets, kind: str | None = None) -> Opened:
    import pybde

    volume = pybde.volume()
    setters = {RECOVERY_KEY: volume.set_recovery_password, STARTUP_KEY: volume.read_startup_key,
               PASSWORD: volume.set_password}
    return open_encrypted(volume, place, setters, secrets, kind, "metadata", OPTIONS)
