"""Walk one file system with The Sleuth Kit: metadata only, a :class:`FileRef` per file.

Deleted names (with their recoverable content), orphan files and deleted names
whose metadata is gone are all files; each NTFS $DATA stream is a file of its
own (``/path/file:stream``, inode ``ADDR-128-ID`` as ``fls`` prints it); NTFS
index streams and TSK's virtual files ($MBR, $FAT1 ...) are not files.

The walk reads no content: it records where each file's data lies (its byte
runs), so the scan can read files in disk order, and a worker reopens the file
by its metadata address (:func:`reader`), as ``icat`` does.
"""
from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any, Callable, Iterator

import pytsk3

from forensix.engine.units import ByteRun, FileRef
from forensix.records import ChunkReader, utc_iso
from forensix.volumes.layer import TSK_ERRORS
from forensix.walkers.names import join_raw

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
_CONTENT_ATTRS = (pytsk3.TSK_FS_ATTR_TYPE_DEFAULT, pytsk3.TSK_FS_ATTR_TYPE_HFS_DATA)
_REG = pytsk3.TSK_FS_META_TYPE_REG
_DIRS = (pytsk3.TSK_FS_META_TYPE_DIR, pytsk3.TSK_FS_META_TYPE_VIRT_DIR)  # $OrphanFiles is virtual
_NAME_REG = pytsk3.TSK_FS_NAME_TYPE_REG
_NAME_DIRS = (pytsk3.TSK_FS_NAME_TYPE_DIR, pytsk3.TSK_FS_NAME_TYPE_VIRT_DIR)
_NONRES = pytsk3.TSK_FS_ATTR_NONRES
_ORPHANS = b"/$OrphanFiles"
_SPARSE_RUN = pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE | pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER


def fs_type_name(fs: pytsk3.FS_Info) -> str:
    return _FS_NAMES.get(int(fs.info.ftype), f"tsk-{int(fs.info.ftype)}")


ZONE_LESS_FS = ("fat12", "fat16", "fat32", "exfat")
"""File systems whose times carry no zone (the device's local time), read as UTC by :func:`pin_utc`:
exports and the report say so, and convert them with ``--device-timezone``."""


def pin_utc() -> None:
    """Make TSK convert zone-less times (FAT stores the device's local time) as UTC.

    TSK reads such times through the C library's local time zone, so the same
    image would give different times on laptops set to different zones; pinned to
    UTC, FAT times come out as written on the device, on every machine.
    """
    if os.environ.get("TZ") != "UTC":
        os.environ["TZ"] = "UTC"
        time.tzset()


def walk(fs: pytsk3.FS_Info, volume_offset: int, warn: Warn, mapped: bool = True) -> Iterator[FileRef]:
    """The files of ``fs``; ``mapped`` False for a file system inside a decoded layer (decrypted,
    a shadow copy), where block addresses are no image offsets: no byte runs are given then."""
    refs = _walk(fs, volume_offset, warn)
    if mapped:
        yield from refs
    else:
        yield from (replace(ref, byte_runs=()) for ref in refs)


def _walk(fs: pytsk3.FS_Info, volume_offset: int, warn: Warn) -> Iterator[FileRef]:
    pin_utc()
    is_ntfs = fs_type_name(fs) == "ntfs"
    block = fs.info.block_size
    try:
        root = fs.open_dir(path="/")
    except TSK_ERRORS as exc:
        warn(f"volume at offset {volume_offset}: cannot read the root directory: {exc}")
        return
    visited: set[int] = {fs.info.root_inum}
    stack: list[tuple[pytsk3.Directory, bytes, int]] = [(root, b"", 0)]
    while stack:
        directory, parent, depth = stack.pop()
        orphans = parent == _ORPHANS
        for f in _listing(directory, parent, warn):
            name_info = f.info.name
            if name_info.name in (b".", b".."):
                continue
            raw = parent + b"/" + name_info.name
            meta = f.info.meta
            if orphans and meta is None:
                f, meta = _orphan(fs, name_info.meta_addr, raw, warn)
                if meta is None:
                    continue
            if _is_dir(name_info, meta):
                if meta is None or meta.addr in visited or depth >= MAX_DEPTH:
                    continue
                visited.add(meta.addr)
                try:
                    stack.append((f.as_directory(), raw, depth + 1))
                except TSK_ERRORS as exc:
                    warn(f"{join_raw(raw)[0]}: directory cannot be opened: {exc}")
                if is_ntfs:  # alternate data streams on a directory are a hiding place
                    yield from _ntfs_streams(f, raw, volume_offset, block, named_only=True)
                continue
            if not _is_file(name_info, meta):
                continue
            if is_ntfs and meta is not None:
                yield from _ntfs_streams(f, raw, volume_offset, block, named_only=False)
            elif meta is None:
                yield _ref(f, raw, str(name_info.meta_addr), size=0, meta_addr=None, warnings=(
                    "deleted name whose metadata is gone: no content can be recovered",))
            else:
                runs = _runs(_content_attr(f), volume_offset, block, meta.size)
                yield _ref(f, raw, str(name_info.meta_addr), size=meta.size, meta_addr=meta.addr, runs=runs)


def _orphan(fs: pytsk3.FS_Info, addr: int, raw: bytes, warn: Warn) -> tuple[pytsk3.File | None, object]:
    """An entry of TSK's virtual ``$OrphanFiles`` folder, opened by its metadata address.

    TSK lists orphans with no metadata and an undefined name type; their inode
    still holds the content (``icat`` reads it), so they are files like any other.
    """
    try:
        f = fs.open_meta(inode=addr)
    except TSK_ERRORS as exc:
        warn(f"{join_raw(raw)[0]}: orphan inode {addr} cannot be opened: {exc}")
        return None, None
    return f, f.info.meta


def _listing(directory: pytsk3.Directory, parent: bytes, warn: Warn) -> Iterator[pytsk3.File]:
    """A directory's names one at a time (a cache folder can hold half a million),
    stopping with a warning where a damaged listing breaks off."""
    names = iter(directory)
    while True:
        try:
            yield next(names)
        except StopIteration:
            return
        except TSK_ERRORS as exc:
            warn(f"{join_raw(parent)[0] or '/'}: directory listing failed part way: {exc}")
            return


def _is_dir(name_info, meta) -> bool:
    return (meta.type in _DIRS) if meta is not None else name_info.type in _NAME_DIRS


def _is_file(name_info, meta) -> bool:
    return (meta.type == _REG) if meta is not None else name_info.type == _NAME_REG


def _deleted(f: pytsk3.File) -> bool:
    """A deleted name, unallocated metadata, or an orphan (opened by address: it has no name)."""
    meta, name = f.info.meta, f.info.name
    return name is None or bool(name.flags & pytsk3.TSK_FS_NAME_FLAG_UNALLOC) or (
        meta is not None and bool(meta.flags & pytsk3.TSK_FS_META_FLAG_UNALLOC))


def _attributes(f: pytsk3.File) -> list:
    try:
        return list(f)
    except TSK_ERRORS:
        return []


def _content_attr(f: pytsk3.File):
    return next((a for a in _attributes(f) if a.info.type in _CONTENT_ATTRS), None)


def _runs(attr, volume_offset: int, block: int, size: int) -> tuple[ByteRun, ...]:
    """Where a non-resident attribute's content lies on the media (sparse runs left out)."""
    if attr is None or not attr.info.flags & _NONRES:
        return ()
    runs = []
    try:
        for run in attr:
            start = run.offset * block
            if start >= size:
                break
            if run.flags & _SPARSE_RUN:
                continue
            runs.append((start, volume_offset + run.addr * block, min(run.len * block, size - start)))
    except TSK_ERRORS:
        pass  # a damaged run list: the content is still read through TSK, only the map is partial
    return tuple(runs)


def _ntfs_streams(f, raw: bytes, volume_offset: int, block: int, named_only: bool) -> Iterator[FileRef]:
    meta = f.info.meta
    for attr in _attributes(f):
        info = attr.info
        if info.type != _NTFS_DATA or (named_only and not info.name):
            continue
        yield _ref(f, raw + b":" + info.name if info.name else raw, f"{meta.addr}-{info.type}-{info.id}",
                   size=info.size, meta_addr=meta.addr, attr=(info.type, info.id),
                   runs=_runs(attr, volume_offset, block, info.size),
                   stream=info.name.decode("utf-8", "replace") if info.name else None)


def _ref(f, raw: bytes, inode: str, size: int, meta_addr: int | None, attr: tuple[int, int] | None = None,
         runs: tuple[ByteRun, ...] = (), warnings: tuple[str, ...] = (), stream: str | None = None) -> FileRef:
    meta = f.info.meta
    path, path_hex = join_raw(raw)
    return FileRef(path=path, path_hex=path_hex, inode=inode, deleted=_deleted(f), size=size,
                   mtime=_time(meta, "mtime"), atime=_time(meta, "atime"),
                   ctime=_time(meta, "ctime"), crtime=_time(meta, "crtime"),
                   meta_addr=meta_addr, attr=attr, first_offset=runs[0][1] if runs else 0,
                   byte_runs=runs, warnings=warnings, stream=stream)


def _time(meta, field: str) -> str | None:
    if meta is None:
        return None
    return utc_iso(getattr(meta, field, 0), getattr(meta, f"{field}_nano", 0) or 0)


DIRECT = frozenset({"ext2", "ext3", "ext4", "fat12", "fat16", "fat32"})
"""File systems whose content is exactly its block runs (no initialised size below the file
size as NTFS and exFAT have, no compression as HFS+ has)."""


def reader(fs: pytsk3.FS_Info, ref: FileRef, image: Any = None) -> ChunkReader | None:
    """A one-shot chunk reader for a file of ``fs``; read errors propagate for the engine to record.

    An allocated file of a :data:`DIRECT` file system whose byte runs cover it whole is read
    straight from ``image`` at those runs: the same bytes TSK would give (sparse runs leave a
    gap, and then TSK reads), without TSK copying them twice on the way.

    ``read_random`` is TSK's equivalent of ``icat``: deleted content is read as
    TSK recovers it, and NTFS streams by attribute type and id. A size larger
    than the whole file system is damaged metadata (TSK would return zeros for
    it without end), so reading stops there with an error: no digest is better
    than the digest of a made-up file.
    """
    if ref.meta_addr is None:
        return None
    if image is not None and not ref.deleted and ref.attr is None and _whole(ref) and fs_type_name(fs) in DIRECT:
        return _direct(image, ref.byte_runs)
    fs_bytes = fs.info.block_count * fs.info.block_size
    total = ref.size

    def read_chunks() -> Iterator[bytes]:
        f = fs.open_meta(inode=ref.meta_addr)
        offset = 0
        while offset < total:
            if offset >= fs_bytes > 0:
                raise IOError(f"declared size {total} is larger than the file system ({fs_bytes} bytes): "
                              "damaged metadata; reading stopped there")
            length = min(CHUNK, total - offset)
            if ref.attr is None:
                data = f.read_random(offset, length)
            else:
                data = f.read_random(offset, length, *ref.attr)
            if not data:
                return  # TSK reads no further (uninitialised or sparse); the engine notes the shortfall
            yield data
            offset += len(data)

    return read_chunks


def _whole(ref: FileRef) -> bool:
    """The byte runs cover the file from its first byte to its last, without a gap."""
    at = 0
    for file_offset, _, length in ref.byte_runs:
        if file_offset != at:
            return False
        at += length
    return at == ref.size > 0


def _direct(image: Any, runs: tuple[ByteRun, ...]) -> ChunkReader:
    def read_chunks() -> Iterator[bytes]:
        for _, image_offset, length in runs:
            done = 0
            while done < length:
                data = image.read(image_offset + done, min(CHUNK, length - done))
                if not data:
                    return  # the image ends here: the engine notes the shortfall
                yield data
                done += len(data)

    return read_chunks
