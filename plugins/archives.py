"""Archive members (zip, tar, gzip/bzip2/xz and the tars inside them, 7z) sent back through the scan as files.

Known material travels in archives, so every member must be hashed, matched
and analysed like any file on the disk, and none may be left out for its name
or its kind. This plugin buffers an archive as the engine streams it, lists
its members in ``finish`` (``archive_formats``) and returns them as child
entries whose ``read_chunks`` give the content on demand; the engine runs every
plugin on them, this one included, which is how nested archives are opened.

Rules that keep it safe on hostile input:

* Nothing is ever extracted by name: member bytes only flow from a buffer to
  the engine. Buffers are ``SpooledTemporaryFile``\\ s in the case folder's
  ``tmp/`` (in memory up to ``SPOOL_IN_MEMORY``, then an unlinked file).
* Member names with ``..``, an absolute path or no name at all are data: the
  record path is the normalised name under the archive's path, with a warning
  giving the original.
* Expansion is bounded twice, across every nesting level: by the evidence
  item's :class:`forensix.budget.ExpansionBudget` (bytes and members), and by
  the top-level archive's allowance, ``RATIO`` times its own size plus
  ``RATIO_FLOOR``. Declared sizes (zip, tar) are taken before anything is read;
  streams (gzip, bzip2, xz, 7z) are decompressed once, in ``finish``, into a
  second buffer and charged as they expand. Either way a refusal is known
  when the archive's record is written, so it is a warning on the archive; the
  members past it are still listed, without content. An ordinary archive
  expands 3-20 times, so ``RATIO`` 100 cuts nothing ordinary, while a nested
  bomb of a few MB stops after a few hundred MB (about a second of hashing).
* Links, devices, FIFOs and encrypted members are records without content
  (``read_chunks=None``: the engine gives them null digests) whose warning
  says what they are or point to. A damaged archive costs a warning on the
  archive; a member whose bytes fail to decode fails its read, which the
  engine records as a warning on the member.

A child's ``inode`` is ``"<archive inode>:<member index>"`` (index in the
archive's own order, directories included), so every member, duplicate names
included, has a distinct, traceable address; ``fs_type`` is the archive
format. Buffers stay open until the last child's reader has finished (or, if
some are never read, until nothing refers to them any more), because the
engine reads children after ``finish`` returns.
"""
from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import stat
import struct
import tempfile
import weakref
from pathlib import Path
from typing import IO, Any, Callable, Iterator

import py7zr
import py7zr.compressor
import py7zr.exceptions
import py7zr.io

from forensix.budget import ExpansionBudget
from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, utc_iso
from plugins.archive_formats import (DAMAGE, LINK_TARGET_LIMIT, Member, archive_format, damage_words,
                                     gzip_header_name, is_tar_header, special_note, stream_member_name, tar_members,
                                     zip_entry_count, zip_members)

log = logging.getLogger(__name__)
NAME = "archives"
VERSION = "2.0.0"
DESCRIPTION = "Opens zip, tar, gzip, bzip2, xz and 7z files and scans their members as files."
MIN_SIZE = 14       # the smallest bzip2 file
MAX_SIZE = 8 << 30  # bigger archives are hashed but not opened

MAX_DEPTH = 5
RATIO = 100
RATIO_FLOOR = 64 << 20
"""A top-level archive may expand, over all its nesting levels, to RATIO x its size + RATIO_FLOOR."""
MAX_MEMBERS = 100_000
"""Members listed per archive: the list is held in memory until the engine has read them."""
MAX_ZIP_ENTRIES = 1_000_000
"""A zip's whole central directory is parsed before the first member is listed (~500 bytes an entry)."""
SPOOL_IN_MEMORY = 4 << 20
CHUNK = 1 << 20

_STREAMS: dict[str, Callable[[IO[bytes]], IO[bytes]]] = {
    "gzip": lambda file: gzip.GzipFile(fileobj=file, mode="rb"),
    "bzip2": lambda file: bz2.BZ2File(file, "rb"),
    "xz": lambda file: lzma.LZMAFile(file, "rb"),
}


class ArchiveLimitError(Exception):
    """A member gave more bytes than it declared."""


class DamagedMemberError(Exception):
    """A member's compressed data could not be decoded."""


class _Allowance:
    """What one top-level archive may still expand to, drawn from the evidence item's budget too."""

    def __init__(self, evidence: str, budget: ExpansionBudget, limit: int) -> None:
        self.evidence = evidence
        self.budget = budget
        self.limit = limit
        self.used = 0

    def take(self, nbytes: int = 0, members: int = 0) -> str | None:
        """``None`` when granted, else why not (in words for the examiner)."""
        if self.used + nbytes > self.limit:
            return (f"the top-level archive may expand to {self.limit} bytes ({RATIO} times its size "
                    f"+ {RATIO_FLOOR >> 20} MiB, archive bomb?)")
        if not self.budget.take(self.evidence, nbytes, members):
            return f"the evidence item's archive expansion budget is spent ({'members' if members else 'bytes'})"
        self.used += nbytes
        return None


class _Workspace:
    """Where archives are buffered and what they may expand to; set by ``forensix_configure``.

    One per plugin module, reset by every configure, so nothing from one scan
    (another case folder) leaks into the next.
    """

    def __init__(self) -> None:
        self.tmp_dir: Path | None = None
        self.budget = ExpansionBudget()
        self._root: tuple[tuple[str, int, str], _Allowance] | None = None

    def configure(self, case_dir: Path, budget: ExpansionBudget) -> None:
        tmp_dir = Path(case_dir) / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir = tmp_dir
        self.budget = budget
        self._root = None

    def allowance(self, entry: FileEntry) -> _Allowance:
        """The allowance of the top-level archive ``entry`` belongs to.

        Members are processed depth first right after their archive, so one
        top-level archive is open at a time; a member met without its root
        (processed elsewhere) gets an allowance of its own size.
        """
        key = (entry.evidence, entry.volume_offset, entry.inode.split(":", 1)[0])
        if entry.depth == 0 or self._root is None or self._root[0] != key:
            self._root = key, _Allowance(entry.evidence, self.budget, RATIO * entry.size + RATIO_FLOOR)
        return self._root[1]


_workspace = _Workspace()


class _Spool:
    """Bytes shared by members' readers: the archive itself, or its expanded stream.

    Closed when the last reader has finished, or by the finalizer once nothing
    refers to it (a child never read, a scan stopped early).
    """

    def __init__(self, tmp_dir: Path) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=tmp_dir)
        self._readers = 0
        self._close = weakref.finalize(self, self.file.close)

    def close(self) -> None:
        self._close()

    def size(self) -> int:
        return self.file.seek(0, 2)

    def slice(self, start: int, end: int) -> Callable[[], IO[bytes]]:
        return lambda: _Slice(self.file, start, end)

    def reader(self, open_member: Callable[[], IO[bytes]], limit: int, name: str) -> Callable[[], Iterator[bytes]]:
        """A one-shot chunk reader for a member; more than ``limit`` bytes is an error."""
        self._readers += 1

        def read() -> Iterator[bytes]:
            try:
                yield from self._read(open_member, limit, name)
            finally:
                self._readers -= 1
                if self._readers == 0:
                    self.close()
        return read

    @staticmethod
    def _read(open_member: Callable[[], IO[bytes]], limit: int, name: str) -> Iterator[bytes]:
        try:
            with open_member() as member:
                produced = 0
                while chunk := member.read(CHUNK):
                    produced += len(chunk)
                    if produced > limit:
                        raise ArchiveLimitError(f"{name} gives more than the {limit} bytes it declares; read stopped")
                    yield chunk
        except DAMAGE as exc:
            raise DamagedMemberError(f"damaged member {name}: {damage_words(exc)}") from exc


class _Slice:
    """A read-only window on a shared file, with its own position."""

    def __init__(self, file: IO[bytes], start: int, end: int) -> None:
        self._file, self._pos, self._end = file, start, end

    def read(self, size: int = -1) -> bytes:
        size = self._end - self._pos if size < 0 else min(size, self._end - self._pos)
        self._file.seek(self._pos)
        data = self._file.read(size)
        self._pos += len(data)
        return data

    def __enter__(self) -> _Slice:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _SpoolWriter(py7zr.io.Py7zIO):
    """Where py7zr writes a 7z's members: one after another into a spool, charged as they come."""

    def __init__(self, spool: _Spool, allowance: _Allowance, done: dict[str, tuple[int, int]], name: str) -> None:
        self._spool, self._allowance, self._done, self._name = spool, allowance, done, name
        self._start = spool.file.seek(0, 2)
        self._size = 0
        self.refused: str | None = None

    def write(self, s: bytes | bytearray) -> int:
        reason = self._allowance.take(len(s))
        if reason is not None:
            raise _Refused(reason)
        self._spool.file.seek(self._start + self._size)
        self._spool.file.write(s)
        self._size += len(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        self._done[self._name] = (self._start, self._start + self._size)


class _Refused(Exception):
    """The expansion allowance said no; carries its reason."""


class _Unlisted(Exception):
    """The archive cannot be listed, for a reason that is not damage; carries the warning."""


class _Spool7zFactory(py7zr.io.WriterFactory):
    def __init__(self, spool: _Spool, allowance: _Allowance) -> None:
        self.spool, self.allowance = spool, allowance
        self.done: dict[str, tuple[int, int]] = {}

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        return _SpoolWriter(self.spool, self.allowance, self.done, filename)


def member_path(name: str, index: int) -> tuple[str, str | None]:
    """The member's path relative to the archive, and a warning when the name
    tried to leave it (``..``, an absolute path, a drive letter) or is empty."""
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
    relative = "/".join(kept) or f"member-{index}"
    if escaped:
        return relative, f"member name {name!r} points outside the archive; recorded as {relative!r}"
    if not kept:
        return relative, f"member has no usable name ({name!r}); recorded as {relative!r}"
    return relative, None


class _Analyzer:
    """Buffers the archive while it streams past, lists the members at the end."""

    key = "archive"

    def __init__(self, entry: FileEntry, fmt: str, tmp_dir: Path, allowance: _Allowance) -> None:
        self._entry = entry
        self._format = fmt
        self._tmp_dir = tmp_dir
        self._allowance = allowance
        self._spool = _Spool(tmp_dir)
        self._warnings: list[str] = []
        self._not_archive = False
        """Set when the bytes behind the magic number turn out not to be the format at all."""

    def feed(self, chunk: bytes, offset: int) -> None:
        self._spool.file.write(chunk)

    def finish(self, digests: Digests) -> AnalyzerResult:
        children: list[FileEntry] = []
        fmt = self._format
        source = self._spool
        refused: dict[str, int] = {}
        try:
            fmt, source, members = self._members(fmt)
            for member in members:
                if len(children) == MAX_MEMBERS:
                    self._warnings.append(f"more than {MAX_MEMBERS} members: the rest not examined")
                    break
                child, reason = self._child(member, fmt, source)
                if child is None:
                    self._warnings.append(f"{reason}: members after the first {len(children)} not examined")
                    break
                children.append(child)
                if reason:
                    refused[reason] = refused.get(reason, 0) + 1
        except _Unlisted as exc:
            self._warnings.append(str(exc))
        except Exception as exc:  # DAMAGE, and whatever else a library raises on hostile data
            log.debug("archive %s not fully listed", self._entry.path, exc_info=exc)
            where = f"after {len(children)} members" if children else "no members read"
            self._warnings.append(f"damaged {fmt} archive ({where}): {damage_words(exc)}")
        self._warnings += [f"content of {n} members not read: {reason}" for reason, n in refused.items()]
        if source is not self._spool:
            self._spool.close()
        if not any(child.read_chunks for child in children):
            source.close()
        data = None if self._not_archive else {"format": fmt, "members": len(children)}
        return AnalyzerResult(data=data, warnings=tuple(self._warnings), children=tuple(children))

    # -- listing ----------------------------------------------------------
    def _members(self, fmt: str) -> tuple[str, _Spool, Iterator[Member]]:
        """The format as finally named (``tar.gz`` ...), the spool members read from, and the members."""
        file = self._spool.file
        file.seek(0)
        if fmt == "zip":
            declared = zip_entry_count(file, MAX_ZIP_ENTRIES)
            if declared > MAX_ZIP_ENTRIES:
                raise _Unlisted(f"zip lists {declared} members, more than the {MAX_ZIP_ENTRIES} whose list can be "
                                "held in memory: members not examined")
            file.seek(0)
            return fmt, self._spool, zip_members(file)
        if fmt == "tar":
            return fmt, self._spool, tar_members(file)
        if fmt == "7z":
            return self._7z_members()
        return self._stream_members(fmt)

    def _expand(self, fmt: str) -> tuple[_Spool, str | None]:
        """The decompressed stream in a spool of its own, and why it stops short (``None`` if whole)."""
        expanded = _Spool(self._tmp_dir)
        self._spool.file.seek(0)
        try:
            with _STREAMS[fmt](self._spool.file) as stream:
                while chunk := stream.read1(CHUNK):
                    reason = self._allowance.take(len(chunk))
                    if reason is not None:
                        return expanded, f"expansion stopped after {expanded.size()} bytes: {reason}"
                    expanded.file.write(chunk)
        except DAMAGE as exc:
            if not expanded.size():
                return expanded, f"not a {fmt} stream after all: its data does not decode ({damage_words(exc)})"
            return expanded, f"the {fmt} data is damaged after {expanded.size()} bytes ({damage_words(exc)})"
        return expanded, None

    def _stream_members(self, fmt: str) -> tuple[str, _Spool, Iterator[Member]]:
        expanded, cut = self._expand(fmt)
        length = expanded.size()
        if cut is not None:
            self._warnings.append(cut)
        if length == 0 and cut is not None:  # not a stream at all: random bytes behind a magic number
            self._not_archive = True
            return fmt, expanded, iter(())
        expanded.file.seek(0)
        if is_tar_header(expanded.file.read(512)):
            suffix = {"gzip": "gz", "bzip2": "bz2", "xz": "xz"}[fmt]
            expanded.file.seek(0)
            members = tar_members(expanded.file, None if cut is None else (length, cut))
            return f"tar.{suffix}", expanded, self._cut_members(members, cut)
        self._spool.file.seek(0)
        head = self._spool.file.read(1024)
        name = stream_member_name(self._entry.name, fmt, head)
        mtime = gzip_header_name(head)[1] if fmt == "gzip" else None
        if cut is None:
            return fmt, expanded, iter((Member(0, name, length, mtime, expanded.slice(0, length)),))
        declared = length
        if fmt == "gzip":
            self._spool.file.seek(-4, 2)
            declared = max(length, struct.unpack("<I", self._spool.file.read(4))[0])
        return fmt, expanded, iter((Member(0, name, declared, mtime, None, f"content not read: {cut}"),))

    @staticmethod
    def _cut_members(members: Iterator[Member], cut: str | None) -> Iterator[Member]:
        """Members of a tar whose expansion stopped short: the ones past the cut have no content."""
        try:
            yield from members
        except DAMAGE:
            if cut is None:
                raise

    def _7z_members(self) -> tuple[str, _Spool, Iterator[Member]]:
        """7z members are decompressed once, in order, into a second spool (solid
        archives can only be read that way); names are replaced by indexes for
        py7zr, which refuses to extract ``..`` or absolute names even to memory."""
        try:
            archive = py7zr.SevenZipFile(self._spool.file, "r")
        except py7zr.exceptions.PasswordRequired:
            raise _Unlisted("encrypted 7z archive: its member list is encrypted too (no password), "
                            "so no member can be listed") from None
        expanded = _Spool(self._tmp_dir)
        listed: list[tuple[int, Any, str | None]] = []
        for index, info in enumerate(archive.files):
            props = info.file_properties()
            name = props.get("filename") or ""
            props["filename"] = str(index)
            if info.is_directory and not info.uncompressed:
                continue
            note = None
            if info.folder is not None and py7zr.compressor.SupportedMethods.needs_password(info.folder.coders):
                note = "encrypted member: content not read (no password)"
            elif info.is_socket:
                note = special_note(stat.S_IFSOCK)
            listed.append((index, info, note))
            props["original_name"] = name
        factory = _Spool7zFactory(expanded, self._allowance)
        targets = [str(index) for index, info, note in listed if note is None and not info.emptystream]
        problem = None
        if targets:
            try:
                archive.extract(targets=targets, factory=factory)
            except _Refused as exc:
                problem = f"expansion stopped: {exc}"
            except py7zr.exceptions.CrcError as exc:
                factory.done.pop(str(exc.args[2]) if len(exc.args) > 2 else "", None)
                problem = "a member fails its checksum (damaged 7z archive)"
            except (*DAMAGE, RuntimeError) as exc:
                problem = f"damaged 7z archive: {damage_words(exc)}"
        if problem:
            self._warnings.append(problem)

        def members() -> Iterator[Member]:
            for index, info, note in listed:
                name = info.file_properties()["original_name"]
                mtime = utc_iso(info.lastwritetime.totimestamp()) if info.lastwritetime else None
                span = factory.done.get(str(index))
                if note is None and info.emptystream:
                    span = (0, 0)
                if note is None and span is None:
                    note = f"content not read: {problem or 'not decoded'}"
                if note is None and info.is_symlink:
                    expanded.file.seek(span[0])
                    target = expanded.file.read(min(span[1] - span[0], LINK_TARGET_LIMIT)).decode("utf-8", "replace")
                    note = special_note(stat.S_IFLNK, target)
                opener = expanded.slice(*span) if note is None else None
                yield Member(index, name, info.uncompressed or 0, mtime, opener, note)
        return "7z", expanded, members()

    # -- one member -------------------------------------------------------
    def _child(self, member: Member, fmt: str, source: _Spool) -> tuple[FileEntry | None, str | None]:
        """The member as a file entry (``None`` once the evidence's member budget is
        spent), and why its content was refused, if it was."""
        spent = self._allowance.take(members=1)
        if spent is not None:
            return None, spent
        entry = self._entry
        relative, name_warning = member_path(member.name, member.index)
        warnings = [name_warning] if name_warning else []
        if member.note:
            warnings.append(member.note)
        reader = None
        refused = None
        if member.open is not None:
            declared_only = source is self._spool  # zip and plain tar: sizes taken before reading
            refused = self._allowance.take(member.size) if declared_only else None
            if refused:
                warnings.append(f"content not read: {refused}")
            else:
                reader = source.reader(member.open, member.size, relative)
        child = FileEntry(
            evidence=entry.evidence, volume_offset=entry.volume_offset, fs_type=fmt,
            path=f"{entry.path}/{relative}", inode=f"{entry.inode}:{member.index}",
            deleted=entry.deleted, size=member.size, mtime=member.mtime, container=entry.path,
            depth=entry.depth + 1, warnings=tuple(warnings), read_chunks=reader,
        )
        return child, refused


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
    _workspace.configure(config.case_dir, config.expansion)


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _Analyzer | _NotOpened | None:
    fmt = archive_format(head)
    if fmt is None:
        return None
    if entry.depth >= MAX_DEPTH:
        return _NotOpened(f"archive nested {entry.depth} deep: not opened (limit {MAX_DEPTH})")
    if _workspace.tmp_dir is None:
        raise RuntimeError("archives plugin called before forensix_configure: no case folder to buffer in")
    return _Analyzer(entry, fmt, _workspace.tmp_dir, _workspace.allowance(entry))
