"""Walk one file system with The Sleuth Kit, yielding a light entry per file.

Deleted names (with their recoverable content), orphan files and deleted names
whose metadata is gone are all entries; each NTFS $DATA stream is an entry of
its own (``/path/file:stream``, inode ``ADDR-128-ID`` as ``fls`` prints it);
NTFS index streams and TSK's virtual files ($MBR, $FAT1 ...) are not files.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Iterator

import pytsk3

from forensix.records import FileEntry, utc_iso
from forensix.volumes import TSK_ERRORS

Warn = Callable[[str], None]
CHUNK = 1 << 20
MAX_DEPTH = 256
"""Deeper than any real directory tree; a guard against corrupt self-references."""

_FS_NAMES = {
    getattr(pytsk3, name): name[len("TSK_FS_TYPE_"):].lower()
    for name in sorted(dir(pytsk3), reverse=True)
    if name.startswith("TSK_FS_TYPE_") and not name.endswith(("DETECT", "UNSUPP", "ENUM"))
}
_NTFS_DATA = pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA
_REG = pytsk3.TSK_FS_META_TYPE_REG
_DIRS = (pytsk3.TSK_FS_META_TYPE_DIR, pytsk3.TSK_FS_META_TYPE_VIRT_DIR)  # $OrphanFiles is virtual
_NAME_REG = pytsk3.TSK_FS_NAME_TYPE_REG
_NAME_DIRS = (pytsk3.TSK_FS_NAME_TYPE_DIR, pytsk3.TSK_FS_NAME_TYPE_VIRT_DIR)


def fs_type_name(fs: pytsk3.FS_Info) -> str:
    return _FS_NAMES.get(int(fs.info.ftype), f"tsk-{int(fs.info.ftype)}")


def pin_utc() -> None:
    """Make TSK convert zone-less times (FAT stores the device's local time) as UTC.

    TSK reads such times through the C library's local time zone, so the same
    image would give different times on laptops set to different zones; pinned to
    UTC, FAT times come out as written on the device, on every machine.
    """
    if os.environ.get("TZ") != "UTC":
        os.environ["TZ"] = "UTC"
        time.tzset()


def walk(fs: pytsk3.FS_Info, evidence: str, volume_offset: int, warn: Warn) -> Iterator[FileEntry]:
    pin_utc()
    fs_type = fs_type_name(fs)
    is_ntfs = fs_type == "ntfs"
    fs_bytes = fs.info.block_count * fs.info.block_size
    try:
        root = fs.open_dir(path="/")
    except TSK_ERRORS as exc:
        warn(f"volume at offset {volume_offset}: cannot read the root directory: {exc}")
        return
    visited: set[int] = {fs.info.root_inum}
    stack: list[tuple[pytsk3.Directory, str, int]] = [(root, "", 0)]
    while stack:
        directory, parent, depth = stack.pop()
        for f in _listing(directory, parent, warn):
            name_info = f.info.name
            name = name_info.name.decode("utf-8", "replace")
            if name in (".", ".."):
                continue
            path = f"{parent}/{name}"
            meta = f.info.meta
            if _is_dir(name_info, meta):
                if meta is None or meta.addr in visited or depth >= MAX_DEPTH:
                    continue
                visited.add(meta.addr)
                try:
                    stack.append((f.as_directory(), path, depth + 1))
                except TSK_ERRORS as exc:
                    warn(f"{path}: directory cannot be opened: {exc}")
                if is_ntfs:  # alternate data streams on a directory are a hiding place
                    yield from _ntfs_streams(f, path, evidence, volume_offset, fs_bytes, named_only=True)
                continue
            if not _is_file(name_info, meta):
                continue
            if is_ntfs and meta is not None:
                yield from _ntfs_streams(f, path, evidence, volume_offset, fs_bytes, named_only=False)
            else:
                yield _entry(f, path, str(name_info.meta_addr), evidence, volume_offset, fs_type,
                             size=meta.size if meta is not None else 0, reader=_reader(f, meta, fs_bytes))


def _listing(directory: pytsk3.Directory, parent: str, warn: Warn) -> Iterator[pytsk3.File]:
    """A directory's names one at a time (a cache folder can hold half a million),
    stopping with a warning where a damaged listing breaks off."""
    names = iter(directory)
    while True:
        try:
            yield next(names)
        except StopIteration:
            return
        except TSK_ERRORS as exc:
            warn(f"{parent or '/'}: directory listing failed part way: {exc}")
            return


def _is_dir(name_info, meta) -> bool:
    return (meta.type in _DIRS) if meta is not None else name_info.type in _NAME_DIRS


def _is_file(name_info, meta) -> bool:
    return (meta.type == _REG) if meta is not None else name_info.type == _NAME_REG


def _deleted(f: pytsk3.File) -> bool:
    meta = f.info.meta
    return bool(f.info.name.flags & pytsk3.TSK_FS_NAME_FLAG_UNALLOC) or (
        meta is not None and bool(meta.flags & pytsk3.TSK_FS_META_FLAG_UNALLOC))


def _ntfs_streams(f, path, evidence, volume_offset, fs_bytes, named_only) -> Iterator[FileEntry]:
    meta = f.info.meta
    try:
        attrs = [a.info for a in f]
    except TSK_ERRORS:
        attrs = []
    for attr in attrs:
        if attr.type != _NTFS_DATA or (named_only and not attr.name):
            continue
        stream = attr.name.decode("utf-8", "replace") if attr.name else ""
        yield _entry(f, f"{path}:{stream}" if stream else path, f"{meta.addr}-{attr.type}-{attr.id}",
                     evidence, volume_offset, "ntfs", size=attr.size,
                     reader=_reader(f, meta, fs_bytes, attr.type, attr.id, attr.size))


def _entry(f, path, inode, evidence, volume_offset, fs_type, size, reader) -> FileEntry:
    meta = f.info.meta
    warnings: tuple[str, ...] = ()
    if meta is None:
        warnings = ("deleted name whose metadata is gone: no content can be recovered",)
    return FileEntry(
        evidence=evidence, volume_offset=volume_offset, fs_type=fs_type, path=path, inode=inode,
        deleted=_deleted(f), size=size,
        mtime=_time(meta, "mtime"), atime=_time(meta, "atime"),
        ctime=_time(meta, "ctime"), crtime=_time(meta, "crtime"),
        warnings=warnings, read_chunks=reader,
    )


def _time(meta, field: str) -> str | None:
    if meta is None:
        return None
    return utc_iso(getattr(meta, field, 0), getattr(meta, f"{field}_nano", 0) or 0)


def _reader(f, meta, fs_bytes: int, attr_type: int | None = None, attr_id: int | None = None,
            size: int | None = None):
    """A one-shot chunk reader; read errors propagate for the engine to record.

    ``read_random`` is TSK's equivalent of ``icat``: deleted content is read as
    TSK recovers it, and NTFS streams by attribute type and id. A size larger
    than the whole file system is damaged metadata (TSK would return zeros for
    it without end), so reading stops there with an error: no digest is better
    than the digest of a made-up file.
    """
    if meta is None:
        return None
    total = meta.size if size is None else size

    def read_chunks() -> Iterator[bytes]:
        offset = 0
        while offset < total:
            if offset >= fs_bytes > 0:
                raise IOError(f"declared size {total} is larger than the file system ({fs_bytes} bytes): "
                              "damaged metadata; reading stopped there")
            length = min(CHUNK, total - offset)
            if attr_type is None:
                data = f.read_random(offset, length)
            else:
                data = f.read_random(offset, length, attr_type, attr_id)
            if not data:
                return  # TSK reads no further (uninitialised or sparse); the engine notes the shortfall
            yield data
            offset += len(data)

    return read_chunks
