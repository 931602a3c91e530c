"""The hooks a forensix plugin can implement.

Every hook is prefixed ``forensix_``. The hooks follow the phases of a scan:
add to the command line, configure once, analyse each file in the single read
pass, finish the scan, contribute to the report. A plugin module sets the
constants ``NAME``, ``VERSION`` and ``DESCRIPTION`` and may set ``MIN_SIZE`` /
``MAX_SIZE`` (bytes) so the engine skips files without calling it.

The engine calls per-file hooks one implementation at a time and catches what
they raise: a plugin that fails on one file costs a warning on that file.

A scan runs in several processes: the main process walks the evidence and writes
the case; worker processes read, hash and analyse the files. Each worker loads
the same plugins and calls ``forensix_configure`` itself, with ``config.store``
set to ``None`` (only the main process writes the case); ``forensix_file_analyzer``
and the analyzers run in the workers; ``forensix_scan_finished`` and the report
hooks run in the main process. So a plugin keeps no state it needs shared across
files of different workers, and a crash or a hang in a plugin costs the file it
was analysing, never the scan.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:  # imported for annotations only
    import click

    from forensix.records import AnalyzerResult, Digests, FileEntry
    from forensix.scanconfig import ScanConfig

PROJECT = "forensix"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class FileAnalyzer(Protocol):
    """Receives one file's content chunk by chunk, in order, then the digests.

    ``key`` names the exported record key the result's ``data`` goes under
    (``exif``, ``identifiers``, ``hash_matches`` ...). With ``key = None`` the
    result's ``data``, a dict, is merged into the record's top level (``mime``,
    ``extension_mismatch``), and ``None`` data adds nothing.
    """

    key: str | None
    wants_content: bool
    """Optional, default ``True``: an analyzer that needs only the head it was made from
    and the digests (``False``) is not fed the chunks."""

    def feed(self, chunk: bytes, offset: int) -> None:
        """Called for every chunk of the file; ``offset`` is the chunk's position."""

    def finish(self, digests: Digests) -> AnalyzerResult:
        """Called once after the last chunk, with the digests of the whole file."""


class HookSpecs:
    @hookspec
    def forensix_add_commands(self, cli: click.Group) -> None:
        """Add subcommands to the ``forensix`` command group.

        Called once when the CLI starts, for every loaded plugin. Results are ignored.
        """

    @hookspec
    def forensix_configure(self, config: ScanConfig) -> None:
        """Prepare for a scan: open hash sets, read options from ``config``.

        Called once per scan before the first file in the main process, with the
        scan's settings and the open case store (``config.store``), and once in each
        worker process with ``config.store = None``. Raising here disables the plugin
        for this scan (in the main process a warning is recorded); the scan goes on
        without it.
        """

    @hookspec
    def forensix_file_analyzer(self, entry: FileEntry, head: bytes) -> FileAnalyzer | None:
        """Return a :class:`FileAnalyzer` for this file, or ``None`` to skip it.

        Called once per file, before its content is streamed, with the first
        chunk of the content (``head``, up to 1 MiB; the whole file when it is
        smaller) so a plugin can decide from magic bytes. Every non-``None``
        result receives every chunk (unless it sets ``wants_content = False``).
        Results are collected as a list. Where two analyzers give a list under one
        record key (exact and near hash matches under ``hash_matches``), the lists
        are concatenated in plugin order; any other value under a key already given
        replaces it. A file whose content cannot be read (no metadata, encrypted)
        is never offered to this hook: its record has ``null`` digests and says why.
        """

    @hookspec
    def forensix_scan_finished(self, config: ScanConfig, stats: dict[str, Any]) -> None:
        """Called once after the last file of a scan; write scan-wide summaries
        to ``config.store`` and add counters to ``stats`` (shown in the summary)."""

    @hookspec
    def forensix_report_sections(self, store: Any) -> list[dict[str, Any]] | None:
        """Return report sections built from the case store, as data, never HTML:
        ``{"id", "title", "priority", "text", "columns": [...], "rows": [[...]],
        "column_filters": {column: filter_name}}``. Every cell is escaped by the
        report (a section with an ``html`` key is refused); rows are capped at
        10,000. Called once per report, one implementation at a time; results are
        concatenated and a failing plugin becomes a line in the report's log."""

    @hookspec
    def forensix_template_filters(self) -> dict[str, Any] | None:
        """Return ``{name: callable}`` value filters that sections name in
        ``column_filters``. Called once per report; the dicts are merged. A name the
        report already uses is refused, and a filter's output is escaped."""
