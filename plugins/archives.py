"""Archive members (ZIP, tar, tar.gz, gzip) sent back through the scan as files.

Known material travels in archives, so a member must be hashed, matched and
analysed like any file on the disk. This plugin buffers an archive as the engine
streams it, lists its members in ``finish`` and returns them as child entries
whose ``read_chunks`` decompress on demand; the engine then runs every plugin on
them, this one included, which is how nested archives are opened.

Rules that keep it safe on hostile input:

* Nothing is ever extracted by name: member bytes only flow from the buffer to
  the engine. The buffer is a ``SpooledTemporaryFile`` in the case folder's
  ``tmp/`` (in memory up to 16 MiB, then an unlinked file), never elsewhere.
* Member names with ``..`` or an absolute path are data: the record path is the
  normalised name under the archive's path, the original name is in a warning.
* Zip bombs are bounded: nesting depth (``MAX_DEPTH``), total expansion per
  archive (``MAX_EXPANDED``), expansion ratio per member (``MAX_RATIO``, judged
  from the declared sizes before anything is read, and enforced while reading
  where sizes can lie), member count (``MAX_MEMBERS``). A member over a limit is
  still listed, with a warning and without content.
* Encrypted members and unsupported compression methods are listed with a
  warning and ``read_chunks=None`` (no content). A damaged archive costs a
  warning on the archive; a damaged member fails its read, which the engine
  records as a warning on the member.

A child's ``inode`` is ``"<archive inode>:<member index>"`` (index in the
archive's own order, directories included), so every member has a distinct,
traceable address; ``fs_type`` is the archive format. The buffer stays open
until the last child's reader has finished (or, if some are never read, until
nothing refers to the children any more), because the engine reads children
after ``finish`` returns.
"""
from __future__ import annotations

import gzip
import struct
import tarfile
import tempfile
import weakref
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry

NAME = "archives"
VERSION = "1.0.0"
DESCRIPTION = "Opens ZIP, tar, tar.gz and gzip files and scans their members as files."
MIN_SIZE = 18       # the smallest gzip file
MAX_SIZE = 8 << 30  # bigger archives are hashed but not opened

MAX_DEPTH = 5
MAX_EXPANDED = 4 << 30
MAX_RATIO = 1000
RATIO_FLOOR = 1 << 20
"""Members expanding to less than this are never refused for their ratio."""
MAX_MEMBERS = 100_000
SPOOL_IN_MEMORY = 16 << 20
CHUNK = 1 << 20

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_DAMAGE = (zipfile.BadZipFile, tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError, OSError,
           ValueError, NotImplementedError, struct.error)
"""What Python's archive modules raise on damaged input."""


class ArchiveLimitError(Exception):
    """A member's content was cut off by a zip-bomb limit."""


class DamagedMemberError(Exception):
    """A member's compressed data could not be decoded."""


class _Workspace:
    """Where archives are buffered during a scan; set by ``forensix_configure``.

    One per plugin module, reset by every configure, so nothing from one scan
    (another case folder) leaks into the next.
    """

    def __init__(self) -> None:
        self.tmp_dir: Path | None = None

    def configure(self, case_dir: Path) -> None:
        tmp_dir = Path(case_dir) / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir = tmp_dir


_workspace = _Workspace()


class _Spool:
    """One archive's bytes, shared by its members' readers.

    Closed when the last reader has finished, or by the finalizer once nothing
    refers to it (a child never read, a scan stopped early).
    """

    def __init__(self, tmp_dir: Path) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=tmp_dir)
        self.expanded = 0
        self._readers = 0
        self._close = weakref.finalize(self, self.file.close)

    def close(self) -> None:
        self._close()

    def reader(self, open_member: Callable[[], IO[bytes]], limit: int, name: str) -> Callable[[], Iterator[bytes]]:
        """A one-shot chunk reader for a member; at most ``limit`` bytes are produced."""
        self._readers += 1

        def read() -> Iterator[bytes]:
            try:
                yield from self._read(open_member, limit, name)
            finally:
                self._readers -= 1
                if self._readers == 0:
                    self.close()
        return read

    def _read(self, open_member: Callable[[], IO[bytes]], limit: int, name: str) -> Iterator[bytes]:
        try:
            with open_member() as member:
                produced = 0
                while chunk := member.read(CHUNK):
                    produced += len(chunk)
                    self.expanded += len(chunk)
                    if produced > limit:
                        raise ArchiveLimitError(f"{name} expands beyond {limit} bytes (zip bomb?); read stopped")
                    if self.expanded > MAX_EXPANDED:
                        raise ArchiveLimitError(f"archive expands beyond {MAX_EXPANDED} bytes; read stopped")
                    yield chunk
        except _DAMAGE as exc:
            raise DamagedMemberError(f"damaged member {name}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class _Member:
    """A member as the archive lists it, before the limits are applied."""

    index: int
    name: str
    size: int
    mtime: str | None
    open: Callable[[], IO[bytes]] | None
    packed: int | None = None
    """Compressed size when the format says it (zip, gzip), for the ratio limit."""
    refused: str | None = None
    """Why the content cannot be read (encrypted, unsupported method)."""


def _utc(seconds: float) -> str | None:
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if seconds else None
    except (OverflowError, OSError, ValueError):
        return None


def _zip_mtime(info: zipfile.ZipInfo) -> str | None:
    """UTC from the extended-timestamp field when present, else the DOS time as
    written (local time of the machine that made the zip, so no 'Z')."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x5455 and length >= 5 and extra[pos + 4] & 1:
            return _utc(struct.unpack_from("<i", extra, pos + 5)[0])
        pos += 4 + length
    try:
        return datetime(*info.date_time).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def _zip_members(file: IO[bytes]) -> Iterator[_Member]:
    archive = zipfile.ZipFile(file)
    for index, info in enumerate(archive.infolist()):
        if info.is_dir():
            continue
        refused = None
        if info.flag_bits & 0x1:
            refused = "encrypted member: content not read"
        elif info.compress_type not in _ZIP_METHODS:
            refused = f"compression method {info.compress_type} not supported: content not read"
        yield _Member(index, info.filename, info.file_size, _zip_mtime(info),
                      lambda info=info: archive.open(info), info.compress_size, refused)


def _tar_members(file: IO[bytes]) -> Iterator[_Member]:
    """Members of a tar (compressed or not), listed lazily: stepping past a
    member of a compressed tar means decompressing it, so the caller's limits
    stop the listing, not just the reading."""
    archive = tarfile.open(fileobj=file, mode="r:*")
    for index, info in enumerate(archive):
        if info.isreg():
            yield _Member(index, info.name, info.size, _utc(info.mtime),
                          lambda info=info: archive.extractfile(info))


def _gzip_header(head: bytes) -> tuple[str | None, str | None]:
    """The original file name and mtime a gzip header records (RFC 1952)."""
    flags, mtime = head[3], struct.unpack_from("<I", head, 4)[0]
    pos = 10
    if flags & 0x04:  # FEXTRA
        pos += 2 + struct.unpack_from("<H", head, pos)[0]
    name = None
    if flags & 0x08:  # FNAME, zero-terminated ISO 8859-1
        end = head.find(b"\x00", pos)
        if end > pos:
            name = head[pos:end].decode("latin-1")
    return name, _utc(mtime)


def _gzip_member(file: IO[bytes], archive_name: str) -> _Member:
    file.seek(0)
    head = file.read(1024)
    file.seek(-4, 2)
    packed = file.tell() + 4
    size = struct.unpack("<I", file.read(4))[0]  # ISIZE: the size modulo 4 GiB
    name, mtime = _gzip_header(head)
    if not name:
        stem, dot, ext = archive_name.rpartition(".")
        name = (stem + ".tar" if ext.lower() == "tgz" else stem) if dot and stem else archive_name + ".out"

    def open_member() -> IO[bytes]:
        file.seek(0)
        return gzip.GzipFile(fileobj=file, mode="rb")
    return _Member(0, name, size, mtime, open_member, packed)


def _is_tar_gz(file: IO[bytes]) -> bool:
    file.seek(0)
    try:
        with gzip.GzipFile(fileobj=file, mode="rb") as stream:
            return stream.read(512)[257:262] == b"ustar"
    except _DAMAGE:
        return False


def member_path(name: str, index: int) -> tuple[str, bool]:
    """The member's path relative to the archive, and whether the name tried to
    leave it (``..``, an absolute path, a drive letter)."""
    parts = name.replace("\\", "/").split("/")
    drive = len(parts[0]) == 2 and parts[0][1] == ":"
    escaped = drive or name[:1] in ("/", "\\")
    kept: list[str] = []
    if drive:
        parts = parts[1:]
    for part in parts:
        if part == "..":
            escaped = escaped or not kept
            if kept:
                kept.pop()
        elif part not in ("", "."):
            kept.append(part)
    return ("/".join(kept) or f"member-{index}"), escaped


def archive_format(head: bytes) -> str | None:
    """``zip``, ``gzip`` or ``tar`` from the magic bytes, ``None`` for anything else."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head[257:262] == b"ustar":
        return "tar"
    return None


class _Analyzer:
    """Buffers the archive while it streams past, lists the members at the end."""

    key = "archive"

    def __init__(self, entry: FileEntry, fmt: str, tmp_dir: Path) -> None:
        self._entry = entry
        self._format = fmt
        self._spool = _Spool(tmp_dir)
        self._readable = 0
        """Declared bytes of the members given content so far, against ``MAX_EXPANDED``."""

    def feed(self, chunk: bytes, offset: int) -> None:
        self._spool.file.write(chunk)

    def finish(self, digests: Digests) -> AnalyzerResult:
        warnings: list[str] = []
        children: list[FileEntry] = []
        fmt = self._format
        if fmt == "gzip" and _is_tar_gz(self._spool.file):
            fmt = "tar.gz"
        try:
            self._spool.file.seek(0)
            for member in self._members(fmt):
                if len(children) == MAX_MEMBERS:
                    warnings.append(f"more than {MAX_MEMBERS} members: the rest not examined")
                    break
                children.append(self._child(member, fmt))
                if fmt == "tar.gz" and self._readable > MAX_EXPANDED:  # listing on = decompressing on
                    warnings.append(f"members declare more than {MAX_EXPANDED} bytes: the rest not examined")
                    break
        except _DAMAGE as exc:
            where = f"after {len(children)} members" if children else "no members read"
            warnings.append(f"damaged {fmt} archive ({where}): {exc.__class__.__name__}: {exc}")
        if not any(child.read_chunks for child in children):
            self._spool.close()
        return AnalyzerResult(data={"format": fmt, "members": len(children)},
                              warnings=tuple(warnings), children=tuple(children))

    def _members(self, fmt: str) -> Iterator[_Member]:
        file = self._spool.file
        if fmt == "zip":
            return _zip_members(file)
        if fmt == "gzip":
            return iter((_gzip_member(file, self._entry.name),))
        return _tar_members(file)

    def _child(self, member: _Member, fmt: str) -> FileEntry:
        """The member as a file entry, its content refused if a limit says so."""
        entry = self._entry
        relative, escaped = member_path(member.name, member.index)
        warnings = [f"member name {member.name!r} points outside the archive; recorded as {relative!r}"] \
            if escaped else []
        refused = member.refused or self._over_limit(member)
        if refused:
            warnings.append(refused)
        limit = member.size
        if fmt == "gzip" and member.packed is not None:  # ISIZE is only a hint: bound by ratio instead
            limit = max(MAX_RATIO * member.packed, RATIO_FLOOR)
        reader = None
        if not refused and member.open is not None:
            reader = self._spool.reader(member.open, limit, relative)
            self._readable += member.size
        return FileEntry(
            evidence=entry.evidence, volume_offset=entry.volume_offset, fs_type=fmt,
            path=f"{entry.path}/{relative}", inode=f"{entry.inode}:{member.index}",
            deleted=entry.deleted, size=member.size, mtime=member.mtime, container=entry.path,
            depth=entry.depth + 1, warnings=tuple(warnings), read_chunks=reader,
        )

    def _over_limit(self, member: _Member) -> str | None:
        packed = max(member.packed or 0, 1)
        if member.packed is not None and member.size > RATIO_FLOOR and member.size > MAX_RATIO * packed:
            return (f"member would expand {member.size // packed}:1 (limit {MAX_RATIO}:1, zip bomb?): "
                    "content not read")
        if self._readable + member.size > MAX_EXPANDED:
            return f"archive would expand beyond {MAX_EXPANDED} bytes: content not read"
        return None


class _NotOpened:
    """An archive past the nesting limit: hashed like any file, members left alone."""

    key = None

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def feed(self, chunk: bytes, offset: int) -> None:
        pass

    def finish(self, digests: Digests) -> AnalyzerResult:
        return AnalyzerResult(warnings=(self._reason,))


@hookimpl
def forensix_configure(config: Any) -> None:
    _workspace.configure(config.case_dir)


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _Analyzer | _NotOpened | None:
    fmt = archive_format(head)
    if fmt is None:
        return None
    if entry.depth >= MAX_DEPTH:
        return _NotOpened(f"archive nested {entry.depth} deep: not opened (limit {MAX_DEPTH})")
    if _workspace.tmp_dir is None:
        raise RuntimeError("archives plugin called before forensix_configure: no case folder to buffer in")
    return _Analyzer(entry, fmt, _workspace.tmp_dir)
