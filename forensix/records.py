"""The records that flow through a scan.

Every record is a frozen dataclass that carries its provenance (evidence item,
volume offset, inode, path), so any finding can be traced back to the bytes it
came from without consulting anything else.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import Any, Callable, Iterator, Mapping

def utc_iso(seconds: float, nanos: int = 0) -> str | None:
    """A file time as the export record gives it (``2026-01-31T14:03:05Z``, with
    microseconds when there are any); ``None`` for no time or a corrupt one, which
    is not worth a warning per file."""
    if not seconds:
        return None
    try:
        parts = time.gmtime(int(seconds))
    except (OverflowError, OSError, ValueError):
        return None
    if not 1 <= parts.tm_year <= 9999:
        return None
    text = time.strftime("%Y-%m-%dT%H:%M:%S", parts)
    micros = nanos // 1000 if nanos else round((seconds - int(seconds)) * 1_000_000)
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"


ChunkReader = Callable[[], Iterator[bytes]]
"""Yields a file's content in chunks; called at most once per scan of a file."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file found by a walker, before its content is read.

    Light on purpose: the walker yields these one at a time and the engine reads
    the content exactly once through ``read_chunks``.
    """

    evidence: str
    volume_offset: int
    fs_type: str
    path: str
    inode: str
    deleted: bool
    size: int
    mtime: str | None = None
    atime: str | None = None
    ctime: str | None = None
    crtime: str | None = None
    container: str | None = None
    """Path of the archive this entry was found in, ``None`` for a file system entry."""
    depth: int = 0
    """How many archives deep this entry sits (0 for a file system entry)."""
    warnings: tuple[str, ...] = ()
    byte_runs: tuple[tuple[int, int, int], ...] = ()
    """``(file_offset, image_offset, length)`` of the content on the media, where the walker knows them."""
    path_hex: str | None = None
    """The raw path in hex where it is not valid UTF-8; ``path`` then shows those bytes as ``\\xNN``."""
    stream: str | None = None
    """The named data stream this entry is (NTFS alternate data stream, APFS resource fork)."""
    read_chunks: ChunkReader | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def extension(self) -> str:
        """Lower-case extension without the dot, '' when the name has none."""
        name = self.name
        dot = name.rfind(".")
        return name[dot + 1:].lower() if 0 < dot < len(name) - 1 else ""


@dataclass(frozen=True, slots=True)
class Digests:
    """Digests computed in the single read pass; ``None`` when the read failed."""

    md5: str | None
    sha1: str | None
    sha256: str | None
    bytes_read: int
    partial: bool = False
    """The digests cover fewer bytes than the file declares (sparse or unrecoverable content):
    they say what was read, and must never match a hash set."""

    @property
    def complete(self) -> bool:
        return self.sha256 is not None


@dataclass(frozen=True, slots=True)
class Finding:
    """One searchable fact a plugin found in a file (an identifier, a hash-set hit).

    Findings go to the case store's ``findings`` table so the report can count
    and group them across the whole case without parsing every record.
    """

    plugin: str
    kind: str
    value: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AnalyzerResult:
    """What a plugin's file analyzer returns once the file has been read.

    ``data`` goes under the analyzer's key in the exported record; ``children``
    are entries found inside the file (archive members) that the engine sends
    through the same pipeline.
    """

    data: Any = None
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    children: tuple[FileEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file after the scan: entry, digests, analysis and warnings, ready to store."""

    entry: FileEntry
    digests: Digests
    analysis: Mapping[str, Any]
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]

    def to_export(self) -> dict[str, Any]:
        """The public JSONL export record (documented in the README)."""
        e = self.entry
        record: dict[str, Any] = {
            "evidence": e.evidence,
            "volume_offset": e.volume_offset,
            "fs_type": e.fs_type,
            "path": e.path,
            "name": e.name,
            "inode": e.inode,
            "deleted": e.deleted,
            "size": e.size,
            "md5": self.digests.md5,
            "sha1": self.digests.sha1,
            "sha256": self.digests.sha256,
            "mtime": e.mtime,
            "atime": e.atime,
            "ctime": e.ctime,
            "crtime": e.crtime,
            "container": e.container,
            "warnings": list(self.warnings),
        }
        if e.path_hex is not None:
            record["path_hex"] = e.path_hex
        if e.stream is not None:
            record["stream"] = e.stream
        if e.byte_runs:
            record["byte_runs"] = [list(run) for run in e.byte_runs]
        record.update(self.analysis)
        return record
