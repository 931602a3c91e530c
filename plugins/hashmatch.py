"""Match every file's digests against the scan's hash sets (``--hashset``).

Hash sets are what lets an examiner skip the operating system (NSRL, known
good) and find known material (VICS/CAID, known bad) without anyone looking
at it: a hit is reported by set, category and media id only.
"""
from __future__ import annotations

from typing import Any

from forensix.hashsets import HashSet, open_hashset
from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, Finding
from forensix.scanconfig import ScanConfig

NAME = "hashmatch"
VERSION = "1.0.0"
DESCRIPTION = "Known-bad / known-good / watch-list matches from VICS, NSRL, hashdeep and md5sum hash sets."


class _Matcher:
    """The sets opened for one scan; replaced by every ``forensix_configure``."""

    def __init__(self, sets: list[HashSet]) -> None:
        self.sets = sets

    def lookup(self, digests: Digests) -> list[dict[str, Any]]:
        return [match for hs in self.sets for match in hs.lookup(digests.md5, digests.sha1, digests.sha256)]

    def close(self) -> None:
        for hs in self.sets:
            hs.close()


_matcher: _Matcher | None = None
"""Set by ``forensix_configure`` (never at import): hooks are module functions."""


class _Analyzer:
    """Needs no content: the engine's digests are all it matches on."""

    key = "hash_matches"
    wants_content = False

    def __init__(self, matcher: _Matcher) -> None:
        self._matcher = matcher

    def feed(self, chunk: bytes, offset: int) -> None:
        """Content is not needed; the digests arrive in ``finish``."""

    def finish(self, digests: Digests) -> AnalyzerResult:
        if not digests.complete or digests.partial:
            return AnalyzerResult(data=[])  # a digest of part of the content (or of none) matches nothing
        matches = self._matcher.lookup(digests)
        findings = tuple(Finding(plugin=NAME, kind="hash_alert" if m["alert"] else "hash_known",
                                 value=digests.sha256, detail=m) for m in matches)
        return AnalyzerResult(data=matches, findings=findings)


@hookimpl
def forensix_configure(config: ScanConfig) -> None:
    """Open every ``--hashset`` (importing files into the case) and record it in the case.

    A spec that cannot be opened raises :class:`forensix.hashsets.HashSetError`
    with a one-line message; sets already opened are closed first.
    """
    global _matcher
    if _matcher is not None:
        _matcher.close()
        _matcher = None
    sets: list[HashSet] = []
    try:
        for spec in config.hashsets:
            sets.append(open_hashset(spec, config.case_dir))
    except BaseException:
        for hs in sets:
            hs.close()
        raise
    if config.store is not None:  # the main process records the sets; workers only match
        for hs in sets:
            config.store.record_hashset(hs.name, hs.kind, hs.fmt, hs.source_path, hs.source_sha256,
                                        hs.entries, hs.imported_at)
    _matcher = _Matcher(sets) if sets else None


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _Analyzer | None:
    return _Analyzer(_matcher) if _matcher is not None else None
