"""File names as the evidence holds them: bytes that need not be valid UTF-8.

A name is shown with each byte that is not UTF-8 written as ``\\xNN``, so two
different raw names stay two different paths and nothing a terminal or a
database could choke on (a lone surrogate) ever leaves the walker; the raw
path travels beside it as hex (``path_hex``), so nothing is lost.
"""
from __future__ import annotations


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "backslashreplace")


def join_raw(raw: bytes) -> tuple[str, str | None]:
    """A raw path as shown, and its hex when it is not valid UTF-8 (else ``None``)."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return decode(raw), raw.hex()
