"""Keyword search: the example plugin, off by default, meant to be copied.

It shows every part a plugin can have in about sixty lines: metadata constants,
options read once in ``forensix_configure``, a streaming analyzer fed from the
scan's single read pass (with an overlap so a hit across a chunk boundary is
found once), a record key and findings for the report.

Enable it with ``forensix scan ... --enable-plugin keywords --option keywords=term1,term2``.
Terms are matched case-insensitively in ASCII/UTF-8 and UTF-16LE text.
"""
from __future__ import annotations

import re
from typing import Any

from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, Finding
from forensix.scanconfig import ScanConfig

NAME = "keywords"
VERSION = "1.0.0"
DESCRIPTION = "Example plugin: case-insensitive keyword hits (ASCII/UTF-8 and UTF-16LE) with byte offsets."
MIN_SIZE = 1
MAX_HITS = 1000


class _Settings:
    """What ``forensix_configure`` read; one instance per scan, no import-time state."""

    pattern: re.Pattern[bytes] | None = None
    overlap = 0


_settings = _Settings()


@hookimpl
def forensix_configure(config: ScanConfig) -> None:
    terms = [t.strip() for t in str(config.options.get("keywords", "")).split(",") if t.strip()]
    _settings.pattern = None
    if not terms:
        return
    forms = []
    for term in terms:
        forms.append(re.escape(term.encode("utf-8")))
        forms.append(re.escape(term.encode("utf-16-le")))
    _settings.pattern = re.compile(b"|".join(forms), re.IGNORECASE)
    _settings.overlap = max(len(term.encode("utf-16-le")) for term in terms) - 1


class _Analyzer:
    key = "keywords"

    def __init__(self, pattern: re.Pattern[bytes], overlap: int) -> None:
        self.pattern = pattern
        self.overlap = overlap
        self.tail = b""
        self.hits: list[dict[str, Any]] = []

    def feed(self, chunk: bytes, offset: int) -> None:
        data = self.tail + chunk
        start = offset - len(self.tail)
        for match in self.pattern.finditer(data):
            # a hit lying wholly in the carried tail was reported with the previous chunk
            if match.end() > len(self.tail) and len(self.hits) < MAX_HITS:
                raw = match.group()
                text = raw.decode("utf-16-le" if b"\x00" in raw else "utf-8", "replace")
                self.hits.append({"term": text.lower(), "offset": start + match.start()})
        self.tail = data[-self.overlap:] if self.overlap else b""

    def finish(self, digests: Digests) -> AnalyzerResult:
        if not self.hits:
            return AnalyzerResult()
        terms = sorted({h["term"] for h in self.hits})
        return AnalyzerResult(data=self.hits,
                              findings=tuple(Finding(NAME, "keyword", t) for t in terms))


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _Analyzer | None:
    if _settings.pattern is None:
        return None
    return _Analyzer(_settings.pattern, _settings.overlap)
