"""The keys an examiner gives for encrypted volumes, kept in memory only.

A :class:`Secrets` travels to the walker and worker processes inside the
pickled ``ScanSetup`` (over a local socket, never to disk), outside the
settings fingerprint; its ``repr`` names which kinds were given, never a value,
so no log line, warning or traceback text can carry one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

PASSWORD = "password"
RECOVERY_KEY = "recovery key"
STARTUP_KEY = "startup key"


@dataclass(frozen=True, slots=True)
class Secrets:
    password: str | None = field(default=None, repr=False)
    recovery_key: str | None = field(default=None, repr=False)
    startup_key: str | None = field(default=None, repr=False)
    """Path of a BitLocker startup key file (.BEK)."""

    def __repr__(self) -> str:
        return f"Secrets({', '.join(self.kinds()) or 'none'})"

    def kinds(self) -> list[str]:
        return [kind for kind, value in ((PASSWORD, self.password), (RECOVERY_KEY, self.recovery_key),
                                         (STARTUP_KEY, self.startup_key)) if value]

    def attempts(self, setters: dict[str, Callable[[str], Any]], kind: str | None = None
                 ) -> Iterator[tuple[str, Callable[[], Any]]]:
        """``(kind, apply)`` for each secret given that the layer takes (``setters`` maps a kind
        to the library's setter), or only ``kind`` when a worker reopens what the walker unlocked."""
        values = {PASSWORD: self.password, RECOVERY_KEY: self.recovery_key, STARTUP_KEY: self.startup_key}
        for name, setter in setters.items():
            value = values.get(name)
            if value and (kind is None or kind == name):
                yield name, (lambda setter=setter, value=value: setter(value))


NONE = Secrets()
