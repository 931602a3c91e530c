"""One file through the scan: one read pass feeding the hashers and every analyzer.

Each file is read exactly once. The chunks go to the three hashers and to every
plugin analyzer that asked for the file; archive members found by a plugin come
back as entries and go through the same pipeline. A plugin that raises costs a
warning on that file, never the scan.

This runs inside a worker process (or in the main process with ``--workers 0``);
it never touches the case store.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from forensix.digests import MultiHasher
from forensix.pluginhost import PluginHost, call_impl
from forensix.records import AnalyzerResult, Digests, FileEntry, FileRecord, Finding

log = logging.getLogger(__name__)
MAX_CHILDREN_DEPTH = 16
"""A hard stop for entries nested in entries, whatever a plugin's own limits."""

Stage = Callable[[str], None]
"""Told what the pipeline is doing now (``reading``, ``exif: finish`` ...), so a crash
or a hang can be put down to a file and a stage; called once per chunk at most."""


@dataclass(frozen=True, slots=True)
class _Analyzers:
    """The ``forensix_file_analyzer`` implementations, each as a function of (entry, head)
    with its size bounds, worked out once per scan rather than once per file."""

    impls: tuple[tuple[Callable[[FileEntry, bytes], Any], str, int | None, int | None], ...]

    @classmethod
    def of(cls, host: PluginHost) -> "_Analyzers":
        return cls(tuple((_caller(impl), impl.plugin_name, getattr(impl.plugin, "MIN_SIZE", None),
                          getattr(impl.plugin, "MAX_SIZE", None))
                         for impl in host.impls("forensix_file_analyzer")))


def _caller(impl: Any) -> Callable[[FileEntry, bytes], Any]:
    """The hook implementation called with the arguments it declares (pluggy lets it declare fewer)."""
    if tuple(impl.argnames) == ("entry", "head"):
        return impl.function
    return lambda entry, head: call_impl(impl, entry=entry, head=head)


class FilePipeline:
    """Reads, hashes and analyses entries; counts the plugin errors it absorbed."""

    def __init__(self, host: PluginHost, stage: Stage | None = None) -> None:
        self._analyzers = _Analyzers.of(host)
        self._stage = stage or (lambda text: None)
        self.image: Any = None
        """The evidence's image (the worker sets it for each unit), whose ``failed_reads`` tells
        whether a read touched a hole."""
        self.plugin_errors = 0

    def process(self, entry: FileEntry) -> Iterator[FileRecord]:
        """The entry's record, then the records of whatever was found inside it."""
        record, children = self.analyze(entry)
        yield record
        for child in children:
            if child.depth > MAX_CHILDREN_DEPTH:
                yield FileRecord(child, Digests(None, None, None, 0), {}, (),
                                 (*child.warnings, "nested too deep; not examined"))
                continue
            yield from self.process(child)

    def analyze(self, entry: FileEntry) -> tuple[FileRecord, list[FileEntry]]:
        warnings = list(entry.warnings)
        if entry.read_chunks is None:
            return self._unread(entry, warnings)
        hasher = MultiHasher(threaded=False)  # the worker processes already keep every core busy
        analyzers: list[tuple[str, Any]] = []
        offset = 0
        complete = True
        holes_before = self._holes()
        self._stage("reading")
        chunks = entry.read_chunks()
        try:
            head = next(chunks, b"")
            analyzers = self._open(entry, head, warnings)
            feeding = [(name, a) for name, a in analyzers if getattr(a, "wants_content", True)]
            chunk = head
            while chunk:
                hasher.update(chunk)
                for pair in list(feeding):
                    try:
                        pair[1].feed(chunk, offset)
                    except Exception as exc:
                        self._failed(pair[0], entry, exc, warnings)
                        feeding.remove(pair)
                        analyzers.remove(pair)
                offset += len(chunk)
                self._stage("reading")
                chunk = next(chunks, b"")
        except Exception as exc:  # a damaged image or a bad sector: one warning, the scan goes on
            complete = False
            warnings.append(f"read failed at byte {offset} of {entry.size}: {exc}")
        if complete and entry.container is None and self._holes() != holes_before:
            complete = False
            warnings.append("part of the content lies in an unreadable part of the image (read as zeros): no digest")
        if complete and offset < entry.size:
            warnings.append(f"only {offset} of {entry.size} bytes could be read "
                            "(uninitialised, sparse or unrecoverable content)")
        digests = (Digests(**hasher.hexdigests(), bytes_read=offset, partial=offset < entry.size) if complete
                   else Digests(None, None, None, bytes_read=offset))
        return self._finish(entry, digests, analyzers, warnings)

    def _unread(self, entry: FileEntry, warnings: list[str]) -> tuple[FileRecord, list[FileEntry]]:
        """No content to read (no metadata, encrypted, refused): no digest, and say so."""
        if not warnings:
            warnings.append("content not read: no digest")
        return FileRecord(entry, Digests(None, None, None, 0), {}, (), tuple(warnings)), []

    def _finish(self, entry: FileEntry, digests: Digests, analyzers: list[tuple[str, Any]],
                warnings: list[str]) -> tuple[FileRecord, list[FileEntry]]:
        analysis: dict[str, Any] = {}
        findings: list[Finding] = []
        children: list[FileEntry] = []
        for name, analyzer in analyzers:
            self._stage(f"{name}: finish")
            try:
                result = analyzer.finish(digests)
            except Exception as exc:
                self._failed(name, entry, exc, warnings)
                continue
            if not isinstance(result, AnalyzerResult):
                continue
            key = getattr(analyzer, "key", None)
            if key is not None:
                if result.data is not None:
                    _merge(analysis, key, result.data)
            elif isinstance(result.data, dict):
                for name_, value in result.data.items():
                    _merge(analysis, name_, value)
            findings.extend(result.findings)
            warnings.extend(f"{name}: {w}" for w in result.warnings)
            children.extend(result.children)
        return FileRecord(entry, digests, analysis, tuple(findings), tuple(warnings)), children

    def _open(self, entry: FileEntry, head: bytes, warnings: list[str]) -> list[tuple[str, Any]]:
        out = []
        size = entry.size
        for call, name, low, high in self._analyzers.impls:
            if (low is not None and size < low) or (high is not None and size > high):
                continue
            try:
                analyzer = call(entry, head)
            except Exception as exc:
                self._failed(name, entry, exc, warnings)
                continue
            if analyzer is not None:
                out.append((name, analyzer))
        return out

    def _holes(self) -> int:
        return self.image.failed_reads if self.image is not None else 0

    def _failed(self, plugin: str, entry: FileEntry, exc: Exception, warnings: list[str]) -> None:
        """A plugin's exception: logged with its context, counted, never fatal."""
        self.plugin_errors += 1
        log.debug("plugin %s failed on %s", plugin, entry.path, exc_info=exc)
        warnings.append(f"plugin {plugin} failed: {exc}" if str(exc) else f"plugin {plugin} failed")


def _merge(analysis: dict[str, Any], key: str, data: Any) -> None:
    """Two analyzers giving lists under one key (exact and near hash matches) are concatenated,
    in plugin order; any other value replaces the earlier one."""
    earlier = analysis.get(key)
    if isinstance(earlier, list) and isinstance(data, list):
        analysis[key] = earlier + data
    else:
        analysis[key] = data
