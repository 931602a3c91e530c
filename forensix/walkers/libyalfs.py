"""Walking a file system read by a libyal library (APFS through libfsapfs, XFS through
libfsxfs): the same :class:`FileRef` shape as The Sleuth Kit's walk, and a reader
that reopens a file by its identifier, as ``icat`` does by inode."""
from __future__ import annotations

import stat
from typing import Any, Callable, Iterator

from forensix.engine.units import FileRef
from forensix.records import ChunkReader, utc_iso
from forensix.volumes.layer import LIBRARY_ERRORS, reason

Warn = Callable[[str], None]
CHUNK = 1 << 20
MAX_DEPTH = 256
_TIMES = (("mtime", "modification"), ("atime", "access"), ("ctime", "inode_change"), ("crtime", "creation"))


def walk(volume: Any, what: str, identify: Callable[[Any], int],
         streams: Callable[[Any, int, str], Iterator[FileRef]], warn: Warn) -> Iterator[FileRef]:
    """Regular files of ``volume`` (depth first); ``what`` names it in a warning, ``identify``
    gives an entry's identifier, ``streams`` the extra files an entry holds (APFS resource forks)."""
    try:
        root = volume.get_root_directory()
    except LIBRARY_ERRORS as exc:
        warn(f"{what}: cannot read the root directory: {reason(exc)}")
        return
    visited: set[int] = set()
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        directory, parent, depth = stack.pop()
        for entry in _children(directory, parent, warn):
            try:
                name, mode, ident = entry.get_name(), entry.get_file_mode(), identify(entry)
            except LIBRARY_ERRORS as exc:
                warn(f"{parent or '/'}: an entry cannot be read: {reason(exc)}")
                continue
            path = f"{parent}/{name}"
            if stat.S_ISDIR(mode):
                if ident not in visited and depth < MAX_DEPTH:
                    visited.add(ident)
                    stack.append((entry, path, depth + 1))
                continue
            if not stat.S_ISREG(mode):
                continue
            yield ref(entry, path, str(ident), ident, _size(entry))
            yield from streams(entry, ident, path)


def ref(entry: Any, path: str, inode: str, ident: int, size: int, attr: tuple[int, int] | None = None,
        stream: str | None = None) -> FileRef:
    return FileRef(path=path, inode=inode, deleted=False, size=size, meta_addr=ident, attr=attr, stream=stream,
                   **{field: _time(entry, name) for field, name in _TIMES})


def reader(open_by_id: Callable[[int], Any], ref: FileRef,
           open_stream: Callable[[Any, FileRef], Any] | None = None) -> ChunkReader | None:
    """Chunks of a file (or of the stream ``ref.attr`` names, through ``open_stream``)."""
    if ref.meta_addr is None:
        return None

    def read_chunks() -> Iterator[bytes]:
        target = open_by_id(ref.meta_addr)
        if ref.attr is not None and open_stream is not None:
            target = open_stream(target, ref)
        offset = 0
        while offset < ref.size:
            data = target.read_buffer_at_offset(min(CHUNK, ref.size - offset), offset)
            if not data:
                return
            yield data
            offset += len(data)

    return read_chunks


def _children(directory: Any, parent: str, warn: Warn) -> Iterator[Any]:
    try:
        count = directory.get_number_of_sub_file_entries()
    except LIBRARY_ERRORS as exc:
        warn(f"{parent or '/'}: directory cannot be listed: {reason(exc)}")
        return
    for index in range(count):
        try:
            yield directory.get_sub_file_entry(index)
        except LIBRARY_ERRORS as exc:
            warn(f"{parent or '/'}: directory listing failed part way: {reason(exc)}")
            return


def _size(entry: Any) -> int:
    try:
        return int(entry.get_size())
    except LIBRARY_ERRORS:
        return 0


def _time(entry: Any, name: str) -> str | None:
    """libfsapfs and libfsxfs give times as nanoseconds since 1970 (UTC)."""
    getter = getattr(entry, f"get_{name}_time_as_integer", None)
    if getter is None:
        return None
    try:
        value = getter()
    except LIBRARY_ERRORS:
        return None
    return utc_iso(value // 1_000_000_000, value % 1_000_000_000) if value else None
