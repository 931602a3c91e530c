"""Counts in words an examiner reads aloud: "1 file", "3,022 files", never "1 files"."""
from __future__ import annotations


def plural(count: int | None, singular: str, plural: str | None = None) -> str:
    """``count`` with thousands separators and the noun in the right number."""
    n = int(count or 0)
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"
