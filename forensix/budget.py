"""How much archive content one evidence item may expand to, across all nesting levels.

A per-archive limit is no limit: an 11 MB zip of zips of zips multiplies it
at every level (one such file hashed 16 GB in a minute and was still going).
So every byte decompressed and every member listed, at any depth, is taken
from one budget per evidence item; once it is spent, archives are still
listed as far as they were, their unexamined members are refused, and the
archive carries a warning that says so.

The defaults are sized for two cases that must both hold:

* An ordinary disk full of ordinary archives is not cut. A laptop of a few
  hundred GB rarely holds more than a few tens of GB of compressed data, and
  text-like content (logs, office documents, source code) expands 3 to 20
  times; developer machines hold hundreds of thousands of jar/wheel/docx
  members. ``DEFAULT_BYTES`` (1 TiB) and ``DEFAULT_MEMBERS`` (10 million)
  leave room for that many times over.
* A hostile archive stops within seconds. That is not this budget's job (1 TiB
  takes an hour to hash) but the per-top-level-archive ratio limit's in the
  archives plugin (``plugins/archives.py``: at most ``RATIO`` times the
  top-level archive's own size plus a small floor, across all its nesting
  levels), which a few-MB bomb reaches after a few hundred MB. This budget is
  the backstop for many such archives on one disk.

The interface is deliberately tiny (limits at construction, one ``take``) so
that it can be backed by shared memory across worker processes without
changing a caller.
"""
from __future__ import annotations

DEFAULT_BYTES = 1 << 40
DEFAULT_MEMBERS = 10_000_000


class ExpansionBudget:
    """Bytes expanded and members listed, per evidence item, against fixed limits."""

    def __init__(self, max_bytes: int = DEFAULT_BYTES, max_members: int = DEFAULT_MEMBERS) -> None:
        self.max_bytes = max_bytes
        self.max_members = max_members
        self._used: dict[str, tuple[int, int]] = {}

    def take(self, evidence: str, nbytes: int = 0, members: int = 0) -> bool:
        """Take ``nbytes`` and ``members`` from ``evidence``'s budget; False (and
        nothing taken) when that would go past either limit."""
        used_bytes, used_members = self._used.get(evidence, (0, 0))
        if used_bytes + nbytes > self.max_bytes or used_members + members > self.max_members:
            return False
        self._used[evidence] = (used_bytes + nbytes, used_members + members)
        return True


class SharedExpansionBudget(ExpansionBudget):
    """The same budget, shared by every worker process of a scan: the evidence items'
    use lives in shared memory, changed under a lock."""

    def __init__(self, context, labels: list[str], max_bytes: int = DEFAULT_BYTES,
                 max_members: int = DEFAULT_MEMBERS) -> None:
        super().__init__(max_bytes, max_members)
        self._slots = {label: i for i, label in enumerate(dict.fromkeys(labels))}
        self._shared = context.Array("q", 2 * max(1, len(self._slots)))

    def take(self, evidence: str, nbytes: int = 0, members: int = 0) -> bool:
        slot = self._slots.get(evidence)
        if slot is None:  # an item this scan did not announce: a budget of its own in this process
            return super().take(evidence, nbytes, members)
        used = self._shared
        with used.get_lock():
            if used[2 * slot] + nbytes > self.max_bytes or used[2 * slot + 1] + members > self.max_members:
                return False
            used[2 * slot] += nbytes
            used[2 * slot + 1] += members
        return True
