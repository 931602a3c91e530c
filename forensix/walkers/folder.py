"""Walk a folder of logical evidence (a copy of a phone's storage, a USB stick's files).

Symbolic links are never followed: a link could lead out of the evidence. The
walk yields a :class:`FileRef` per regular file with its path relative to the
folder; :func:`reader` opens it read-only, without touching its access time.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable, Iterator

from forensix.engine.units import FileRef
from forensix.records import ChunkReader, utc_iso
from forensix.walkers.names import join_raw

Warn = Callable[[str], None]
Skipped = Callable[[str, str], None]
"""Called with (path, what) for an entry that is listed but never read: a link or a special file."""
CHUNK = 1 << 20


def walk(root: Path, warn: Warn, skipped: Skipped | None = None) -> Iterator[FileRef]:
    """Regular files as refs; ``warn`` for what cannot be read, ``skipped`` (by default a
    warning too) for symbolic links and special files, which are never followed or opened."""
    if skipped is None:
        def skipped(path: str, what: str) -> None:
            warn(f"{path}: {what}, listed, not read")
    stack: list[tuple[bytes, bytes]] = [(os.fsencode(root), b"")]
    while stack:
        folder, rel = stack.pop()
        shown_folder = join_raw(rel)[0] or "/"
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda d: d.name)
        except OSError as exc:
            warn(f"{shown_folder}: folder cannot be listed: {exc.strerror or exc}")
            continue
        for item in items:
            raw = rel + b"/" + item.name
            path, path_hex = join_raw(raw)
            try:
                st = item.stat(follow_symlinks=False)
            except OSError as exc:
                warn(f"{path}: cannot be examined: {exc.strerror or exc}")
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append((item.path, raw))
            elif stat.S_ISREG(st.st_mode):
                yield FileRef(path=path, inode=str(st.st_ino), deleted=False, size=st.st_size,
                              mtime=utc_iso(st.st_mtime), atime=utc_iso(st.st_atime), ctime=utc_iso(st.st_ctime),
                              crtime=utc_iso(getattr(st, "st_birthtime", 0)), path_hex=path_hex)
            elif stat.S_ISLNK(st.st_mode):
                skipped(path, f"symbolic link to {_link_target(item.path)}")
            else:  # opening a FIFO would block, a device would read another disk
                skipped(path, "special file (FIFO, socket or device)")


def _link_target(path: bytes) -> str:
    try:
        return join_raw(os.readlink(path))[0]
    except OSError:
        return "(unreadable)"


def _open_readonly(path: bytes) -> int:
    """Open read-only and, where the OS allows, without updating the access time,
    so examining a folder does not alter the evidence's own timestamps."""
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        return os.open(path, os.O_RDONLY | noatime)
    except PermissionError:
        if not noatime:
            raise
        return os.open(path, os.O_RDONLY)


def raw_path(root: Path, ref: FileRef) -> bytes:
    """The file's path on this machine, byte for byte (names need not be valid UTF-8)."""
    relative = bytes.fromhex(ref.path_hex) if ref.path_hex else ref.path.encode()
    return os.fsencode(root) + relative


def reader(root: Path, ref: FileRef) -> ChunkReader:
    path = raw_path(root, ref)

    def read_chunks() -> Iterator[bytes]:
        with os.fdopen(_open_readonly(path), "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    return read_chunks
