"""What every hash-set reader produces, and how it reports bad input.

Readers turn a file into a stream of :class:`HashEntry` and never stop on a bad
line: they count it in a :class:`ReadLog` (with file and line/offset) and go on,
so the good entries before and after a damaged one are kept.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

ALGORITHMS: dict[str, int] = {"md5": 16, "sha1": 20, "sha256": 32}
"""The digests a set can be matched on, with their size in bytes."""

ALGORITHM_BY_HEX_LENGTH = {2 * size: algo for algo, size in ALGORITHMS.items()}
PDQ_BYTES = 32

KINDS = ("known-bad", "known-good", "alert")
"""``alert`` is a unit's own watch list: every hit alerts, whatever its category."""

MAX_MESSAGES = 20
"""Messages kept per import; the count of rejected entries is always exact."""


class HashSetError(Exception):
    """A hash set that cannot be read or opened; the message is one line for the user."""


class HashEntry(NamedTuple):
    """One entry of a hash set: up to three digests and a PDQ, and what the list says about them.

    A NamedTuple rather than a frozen dataclass on purpose: an NSRL import makes
    tens of millions of these, and a frozen dataclass ``__init__`` costs about
    four times as much per entry. It is just as immutable.
    """

    md5: bytes | None = None
    sha1: bytes | None = None
    sha256: bytes | None = None
    category: str | None = None
    """Raw category as the list writes it; its meaning comes from a scheme."""
    media_id: str | None = None
    name: str | None = None
    size: int | None = None
    extra: str | None = None
    """Other metadata as a JSON object text (series, victim identified, NSRL package)."""
    pdq: bytes | None = None
    """The picture's PDQ perceptual hash (32 bytes), for near-duplicate matching."""


def parse_digest(text: str, algo: str) -> bytes:
    """Decode a hex digest of ``algo``, upper or lower case; ValueError says why not."""
    return _parse_hex(text, ALGORITHMS[algo], f"{algo} digest")


def parse_pdq(text: str) -> bytes:
    """Decode a PDQ perceptual hash (64 hex digits); ValueError says why not."""
    return _parse_hex(text, PDQ_BYTES, "PDQ hash")


def _parse_hex(text: str, size: int, what: str) -> bytes:
    text = text.strip()
    # bytes.fromhex skips inner spaces, so check the length before trusting it
    if len(text) != 2 * size:
        raise ValueError(f"{what} must have {2 * size} hex digits, got {_show(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"invalid hex in {what} {_show(text)}") from None


def _show(text: str) -> str:
    return repr(text if len(text) <= 70 else text[:67] + "...")


class ReadLog:
    """Counts rejected entries, keeps the first messages, relays progress."""

    def __init__(self, path: str, progress: Callable[[int, int], None] | None = None) -> None:
        self.path = path
        self.rejected = 0
        self.messages: list[str] = []
        self.total = 0
        self._listed = 0
        self._progress = progress

    def reject(self, where: str, why: str) -> None:
        """One entry lost; ``where`` is ``line N`` or ``byte N``."""
        self.rejected += 1
        if self._listed < MAX_MESSAGES:
            self._listed += 1
            self.messages.append(f"{self.path}: {where}: {why}")

    def warn(self, text: str) -> None:
        """A problem that is not one rejected entry (a whole file cut short)."""
        self.messages.append(f"{self.path}: {text}")

    def position(self, done: int) -> None:
        """Readers call this now and then with their position out of ``total``."""
        if self._progress is not None:
            self._progress(done, self.total)

    def warnings(self) -> list[str]:
        hidden = self.rejected - self._listed
        out = list(self.messages)
        if hidden > 0:
            out.append(f"{self.path}: {hidden} more rejected entries not listed")
        return out
