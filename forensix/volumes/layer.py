"""What every volume layer shares: the path of steps down to a volume, what discovery
yields, and the scope a layer explores in."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from forensix.engine.units import Step, VolumeRef
from forensix.evidence.images import library_reason as reason
from forensix.volumes.secrets import Secrets
from forensix.volumes.streams import Place, library_stream

Warn = Callable[[str], None]

TSK_ERRORS = (OSError, RuntimeError)
"""What pytsk3 raises: OSError (IOError) for TSK's own errors, RuntimeError wrapping an
error our image adapter raised while TSK was reading (a missing segment, a bad chunk)."""
LIBRARY_ERRORS = (OSError, IOError, RuntimeError, ValueError, TypeError)
"""What the libyal bindings raise on damaged or unexpected data."""


@dataclass(frozen=True, slots=True)
class VolumePath:
    """The steps from the evidence down to here, and the same in words."""

    chain: tuple[Step, ...] = ()
    labels: tuple[str, ...] = ()

    def then(self, step: Step | None, label: str) -> "VolumePath":
        return VolumePath(self.chain + ((step,) if step is not None else ()), self.labels + (label,))

    def ref(self, place: Place, fs_type: str | None, snapshot: int | None = None) -> VolumeRef:
        label = " / ".join(self.labels + ((fs_type,) if fs_type else ()))
        return VolumeRef(place.volume_offset, fs_type or "", self.chain, snapshot, label)

    def where(self, place: Place) -> str:
        """How a warning names this place: its offset, and its layers when it is inside one."""
        inside = f" ({' / '.join(self.labels)})" if self.labels else ""
        return f"at byte {place.volume_offset}{inside}"


@dataclass(slots=True)
class Found:
    """A volume discovery found: a file system to walk (``fs`` opened), or a layer that
    yields none (locked, damaged, recognised but not readable), recorded with its reason."""

    ref: VolumeRef
    place: Place
    description: str
    fs: Any = None
    slot: int | None = None
    state: str | None = None
    """``unlocked with <kind>``, ``locked``, ``not readable``; ``None`` for a plain volume."""

    @property
    def length(self) -> int:
        return self.place.length

    @property
    def recognised(self) -> bool:
        """Something is known here: a file system, or a layer said locked, unlocked or not readable."""
        return self.fs is not None or self.state is not None


@dataclass(slots=True)
class Scope:
    """What discovery works with: the secrets, where warnings go, whether shadow copies are
    walked, and ``explore`` to go down into what a layer yields."""

    secrets: Secrets
    warn: Warn
    vss: bool = True
    explore: Callable[[Place, VolumePath, int], Iterator[Found]] = field(default=lambda *a: iter(()))


Opened = tuple[Any, str | None, str, str]
"""An encryption layer opened: ``(volume, kind of secret that unlocked it, state, why not)``;
the volume is None when it stays closed."""


def encrypted(scope: Scope, place: Place, path: VolumePath, depth: int, opened: Opened, step: str,
              title: str, lost: str) -> Iterator[Found]:
    """An encryption layer. Locked: a warning saying why and what cannot be read (``lost``), and
    its own row. Unlocked: its row (what unlocked it, for the log and the report), then whatever
    lies in its decrypted bytes."""
    volume, kind, state, problem = opened
    if volume is None:
        scope.warn(f"{title} encrypted volume {path.where(place)}: {problem}; {lost}")
        yield Found(path.then((step, None), step).ref(place, None), place, f"{title} encrypted volume, {state}: {problem}",
                    state=state)
        return
    ours = path.then((step, kind), step)
    how = f"unlocked with the {kind}" if kind else "not locked (clear key)"
    yield Found(ours.ref(place, None), place, f"{title} encrypted volume, {how}",
                state=f"unlocked with {kind}" if kind else "not locked")
    yield from scope.explore(reopened(place, opened, title), ours, depth + 1)


def reopened(place: Place, opened: Opened, title: str) -> Place:
    """The decrypted bytes of an opened encryption layer, as a place to read (a worker reopening
    a volume the walker found raises when the key no longer opens it)."""
    volume, _, _, problem = opened
    if volume is None:
        raise IOError(f"the {title} volume cannot be opened again: {problem}")
    return place.decoded(library_stream(volume, volume.get_size(), place.stream), volume)


def open_encrypted(volume: Any, place: Place, setters: dict[str, Callable[[str], Any]], secrets: Secrets,
                   kind: str | None, metadata: str, options: str) -> Opened:
    """Open an encryption layer's libyal ``volume`` on ``place`` and unlock it with the secrets it
    takes (``setters``); when it stays closed, why in words (its ``metadata`` unreadable, the secrets
    given refused, or none given: ``options`` says which to give)."""
    try:
        volume.open_file_object(place.file_object())
    except LIBRARY_ERRORS as exc:
        return None, None, "not readable", f"its {metadata} cannot be read ({reason(exc)})"
    if not volume.is_locked():
        return volume, None, "", ""
    opened, tried = unlock(volume, setters, secrets, kind)
    if opened is not None:
        return volume, opened, "", ""
    return None, None, "locked", refusal(tried, secrets, options)


def refusal(tried: list[str], secrets: Secrets, options: str) -> str:
    """Why a volume stays locked, naming what the examiner gave: the keys it took and refused
    (``tried``), keys of a kind it does not take, or nothing; ``options`` says which to give."""
    if tried:
        verb = "does" if len(tried) == 1 else "do"
        return f"the {' and the '.join(tried)} given {verb} not unlock it"
    given = secrets.kinds()
    if given:
        return f"a {' or a '.join(given)} does not open it; give {options} to read it"
    return f"it is locked; give {options} to read it"


def unlock(handle: Any, setters: dict[str, Callable[[str], Any]], secrets: Secrets,
           kind: str | None = None) -> tuple[str | None, list[str]]:
    """Try each secret given on an opened, locked libyal volume: ``(kind that opened it, kinds tried)``."""
    tried = []
    for name, apply in secrets.attempts(setters, kind):
        tried.append(name)
        try:
            apply()
            if handle.unlock() or not handle.is_locked():
                return name, tried
        except LIBRARY_ERRORS:
            continue
    return None, tried
