"""The scan: evidence → volumes → file entries → one read pass per file → case store.

Each file is read exactly once. The chunks go to the three hashers and to every
plugin analyzer that asked for the file; archive members found by a plugin come
back as entries and go through the same pipeline. Nothing holds a list of every
file: entries stream from the walkers straight into the store.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from forensix import folderwalk, tskwalk
from forensix.casestore import CaseStore
from forensix.digests import MultiHasher
from forensix.evidence import EvidenceSource
from forensix.pluginhost import PluginHost, call_impl
from forensix.records import AnalyzerResult, Digests, FileEntry, FileRecord, Finding
from forensix.scanconfig import ScanConfig
from forensix.volumes import find_filesystems

log = logging.getLogger(__name__)
MAX_CHILDREN_DEPTH = 16
"""A hard stop for entries nested in entries, whatever a plugin's own limits."""


@dataclass(slots=True)
class ScanStats:
    evidence: int = 0
    volumes: int = 0
    files: int = 0
    deleted: int = 0
    bytes_hashed: int = 0
    alerts: int = 0
    known_good: int = 0
    warnings: int = 0
    plugin_errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Progress:
    """What the engine tells the CLI as it goes; the default does nothing."""

    def counting(self, label: str) -> None: ...

    def start_evidence(self, label: str, total_files: int, total_bytes: int) -> None: ...

    def advance(self, files: int, nbytes: int) -> None: ...

    def warning(self, text: str) -> None: ...


class Scanner:
    def __init__(self, host: PluginHost, store: CaseStore, config: ScanConfig,
                 progress: Progress | None = None) -> None:
        self.host = host
        self.store = store
        self.config = config
        self.progress = progress or Progress()
        self.stats = ScanStats()
        self._analyzer_impls: list[Any] = []
        self._evidence_id: int | None = None
        self._image: Any = None

    # -- phases -----------------------------------------------------------
    def configure(self) -> None:
        """Call every plugin's ``forensix_configure``; a failing plugin is unregistered."""
        for impl in self.host.impls("forensix_configure"):
            try:
                call_impl(impl, config=self.config)
            except Exception as exc:
                self._plugin_failed(impl.plugin_name, None, exc, during="configure")
                self.host.pm.unregister(name=impl.plugin_name)
        self._analyzer_impls = self.host.impls("forensix_file_analyzer")

    def scan(self, source: EvidenceSource, label: str, evidence_id: int) -> None:
        self._evidence_id = evidence_id
        self._image = source.image
        self.stats.evidence += 1
        self.progress.counting(label)
        files, nbytes = self._count(source, label)
        self.progress.start_evidence(label, files, nbytes)
        for entry in self._entries(source, label, count_only=False):
            self._process(entry)
        holes = self._image.unreadable if self._image is not None else {}
        if holes:
            offset = min(holes)
            self._warn(label, f"{len(holes)} unreadable ranges in the image, first at byte {offset} "
                              f"({holes[offset][1]}); zeros were read in their place and no file touching "
                              "them has a digest")
        self.store.commit()

    def finish(self) -> ScanStats:
        stats: dict[str, Any] = {}
        for impl in self.host.impls("forensix_scan_finished"):
            try:
                call_impl(impl, config=self.config, stats=stats)
            except Exception as exc:
                self._plugin_failed(impl.plugin_name, None, exc, during="scan_finished")
        self.stats.extra.update(stats)
        self.store.commit()
        return self.stats

    # -- walking ----------------------------------------------------------
    def _count(self, source: EvidenceSource, label: str) -> tuple[int, int]:
        """A metadata-only walk so the progress bar has a total (no content is read)."""
        files = nbytes = 0
        for entry in self._entries(source, label, count_only=True):
            files += 1
            # no file yields more bytes than the media holds (reads stop at the file system's size)
            nbytes += min(entry.size, source.size) if source.size else entry.size
        return files, nbytes

    def _entries(self, source: EvidenceSource, label: str, count_only: bool) -> Iterator[FileEntry]:
        def warn(location: str) -> Callable[[str], None]:
            def _warn(message: str) -> None:
                if not count_only:
                    self._warn(location, message)
            return _warn

        if source.is_folder:
            yield from folderwalk.walk(source.path, label, warn(label))
            return
        if source.image is None:
            warn(label)(source.damage or "the evidence could not be opened")
            return
        for volume, fs in find_filesystems(source.image, warn(label)):
            fs_type = tskwalk.fs_type_name(fs) if fs is not None else None
            if not count_only:
                self.store.add_volume(self._evidence_id, volume.offset, volume.length,  # type: ignore[arg-type]
                                      volume.description, volume.slot, fs_type)
                if fs is not None:
                    self.stats.volumes += 1
            if fs is not None:
                yield from tskwalk.walk(fs, label, volume.offset, warn(f"{label} @ {volume.offset}"))

    # -- one file ---------------------------------------------------------
    def _process(self, entry: FileEntry) -> None:
        record, children = self._read_and_analyze(entry)
        self.store.add_file(self._evidence_id, record)  # type: ignore[arg-type]
        self._count_record(record)
        if entry.container is None:  # the progress total counts file-system entries only
            self.progress.advance(1, record.digests.bytes_read)
        for child in children:
            if child.depth > MAX_CHILDREN_DEPTH:
                self._warn(child.path, "nested too deep; not examined")
                continue
            self._process(child)

    def _read_and_analyze(self, entry: FileEntry) -> tuple[FileRecord, list[FileEntry]]:
        warnings = list(entry.warnings)
        hasher = MultiHasher()
        analyzers: list[tuple[str, Any]] = []
        offset = 0
        complete = True
        chunks = entry.read_chunks() if entry.read_chunks is not None else iter(())
        holes_before = self._holes()
        try:
            head = next(chunks, b"")
            analyzers = self._analyzers(entry, head, warnings)
            chunk = head
            while chunk:
                hasher.update(chunk)
                for name, analyzer in list(analyzers):
                    try:
                        analyzer.feed(chunk, offset)
                    except Exception as exc:
                        self._plugin_failed(name, entry, exc, warnings)
                        analyzers.remove((name, analyzer))
                offset += len(chunk)
                chunk = next(chunks, b"")
        except Exception as exc:  # a damaged image or a bad sector: one warning, the scan goes on
            complete = False
            warnings.append(f"read failed at byte {offset} of {entry.size}: {exc}")
        if complete and self._holes() != holes_before and entry.container is None:
            complete = False
            warnings.append("part of the content lies in an unreadable part of the image (read as zeros): no digest")
        if complete and offset < entry.size and entry.read_chunks is not None:
            warnings.append(f"only {offset} of {entry.size} bytes could be read "
                            "(uninitialised, sparse or unrecoverable content)")
        digests = (Digests(**hasher.hexdigests(), bytes_read=offset) if complete
                   else Digests(None, None, None, bytes_read=offset))
        analysis: dict[str, Any] = {}
        findings: list[Finding] = []
        children: list[FileEntry] = []
        for name, analyzer in analyzers:
            try:
                result = analyzer.finish(digests)
            except Exception as exc:
                self._plugin_failed(name, entry, exc, warnings)
                continue
            if not isinstance(result, AnalyzerResult):
                continue
            key = getattr(analyzer, "key", None)
            if key is not None:
                items = {} if result.data is None else {key: result.data}
            else:
                items = result.data if isinstance(result.data, dict) else {}
            for item, value in items.items():  # lists under one key (hash_matches) add up, in plugin order
                before = analysis.get(item)
                analysis[item] = before + value if isinstance(before, list) and isinstance(value, list) else value
            findings.extend(result.findings)
            warnings.extend(f"{name}: {w}" for w in result.warnings)
            children.extend(result.children)
        record = FileRecord(entry, digests, analysis, tuple(findings), tuple(warnings))
        return record, children

    def _analyzers(self, entry: FileEntry, head: bytes, warnings: list[str]) -> list[tuple[str, Any]]:
        out = []
        for impl in self._analyzer_impls:
            module = impl.plugin
            low, high = getattr(module, "MIN_SIZE", None), getattr(module, "MAX_SIZE", None)
            if (low is not None and entry.size < low) or (high is not None and entry.size > high):
                continue
            try:
                analyzer = call_impl(impl, entry=entry, head=head)
            except Exception as exc:
                self._plugin_failed(impl.plugin_name, entry, exc, warnings)
                continue
            if analyzer is not None:
                out.append((impl.plugin_name, analyzer))
        return out

    # -- bookkeeping ------------------------------------------------------
    def _holes(self) -> int:
        return self._image.failed_reads if self._image is not None else 0

    def _count_record(self, record: FileRecord) -> None:
        e = record.entry
        if e.container is None:
            self.stats.files += 1
        else:
            self.stats.extra["archive_members"] = self.stats.extra.get("archive_members", 0) + 1
        self.stats.deleted += int(e.deleted)
        self.stats.bytes_hashed += record.digests.bytes_read
        matches = record.analysis.get("hash_matches") or []
        if any(m.get("alert") for m in matches):
            self.stats.alerts += 1
        elif any(m.get("kind") == "known-good" for m in matches):
            self.stats.known_good += 1
        self.stats.warnings += len(record.warnings)

    def _warn(self, location: str, message: str) -> None:
        self.stats.warnings += 1
        self.store.add_warning(self._evidence_id, location, message)
        self.progress.warning(f"{location}: {message}")

    def _plugin_failed(self, plugin: str, entry: FileEntry | None, exc: Exception,
                       warnings: list[str] | None = None, during: str = "analysis") -> None:
        """A plugin's exception: logged with its context, counted, never fatal."""
        self.stats.plugin_errors += 1
        where = entry.path if entry is not None else "scan"
        log.debug("plugin %s failed during %s on %s", plugin, during, where, exc_info=exc)
        text = f"plugin {plugin} failed during {during}: {exc.__class__.__name__}: {exc}"
        if warnings is not None:
            warnings.append(text)
        else:
            self._warn(where, text)
