"""Where indexes live, how a file becomes one, and how a scan finds a set by name or path.

Imported sets go to the library ``$FORENSIX_HOME/hashsets/<name>/``
(``~/.local/share/forensix`` by default); a set given to a scan as a file is
imported on the fly into the same library under its source SHA-256, so every
later scan of any case reuses it. An index
is built in a temporary directory beside its destination and renamed into
place only when complete: an interrupted import leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from forensix.hashsets import formats, layout
from forensix.hashsets.entries import KINDS, HashSetError, ReadLog
from forensix.hashsets.hashset import HashSet
from forensix.hashsets.indexwriter import IndexWriter, write_manifest
from forensix.hashsets.schemes import DEFAULT_SCHEME, get_scheme

Progress = Callable[[int, int], None]
"""``progress(done, total)`` in the reader's units (bytes, or rows for SQLite)."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
BY_SHA256 = "_by-sha256"
"""Library folder of the sets given to scans by path, one index per source SHA-256;
a set name cannot start with ``_``, so it never meets an imported set's folder."""


def library_dir() -> Path:
    home = os.environ.get("FORENSIX_HOME")
    base = Path(home) if home else Path.home() / ".local" / "share" / "forensix"
    return base / "hashsets"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise HashSetError(f"invalid hash set name {name!r}: use letters, digits, '.', '_' and '-'")
    return name


def import_hashset(source: Path, *, name: str | None = None, kind: str | None = None,
                   scheme: str = DEFAULT_SCHEME, library: Path | None = None,
                   progress: Progress | None = None) -> HashSet:
    """Import ``source`` into the library as ``name`` (default: the file's name), replacing
    a set of that name; warnings and the rejected count are on the returned set."""
    source = Path(source)
    name = check_name(name or source.name)
    return build_index(source, (library or library_dir()) / name, name=name, kind=kind,
                       scheme=scheme, progress=progress, replace=True)


def build_index(source: Path, destination: Path, *, name: str, kind: str | None = None,
                scheme: str = DEFAULT_SCHEME, source_sha256: str | None = None,
                progress: Progress | None = None, replace: bool = False) -> HashSet:
    """Read ``source`` into a new index directory ``destination``, all or nothing."""
    reader = formats.detect(source)
    kind = kind or reader.DEFAULT_KIND
    if kind not in KINDS:
        raise HashSetError(f"unknown hash set kind {kind!r} (known: {', '.join(KINDS)})")
    get_scheme(scheme)
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".import-{destination.name}-", dir=destination.parent))
    # hashlib releases the GIL: the source's SHA-256 is computed beside the import, not before it
    hashing = ThreadPoolExecutor(1, thread_name_prefix="hashset-source-sha256")
    try:
        hashed = hashing.submit(file_sha256, source) if source_sha256 is None else None
        log = ReadLog(str(source), progress)
        writer = IndexWriter(work)
        try:
            for entry in reader.read(source, log):
                writer.add(entry)
            facts = writer.finish()
        finally:
            writer.close()
        if not facts["entries"]:
            raise HashSetError(f"{source}: no valid hash entries" + (f" ({log.messages[0]})" if log.messages else ""))
        write_manifest(work, {
            "layout": layout.LAYOUT_VERSION, "name": name, "kind": kind, "format": reader.FORMAT,
            "scheme": scheme, "source_path": str(source.resolve()),
            "source_sha256": source_sha256 if hashed is None else hashed.result(),
            "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rejected": log.rejected, "warnings": log.warnings(), **facts,
        })
        _move_into_place(work, destination, replace)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        hashing.shutdown(cancel_futures=True)
    return HashSet(destination)


def _move_into_place(work: Path, destination: Path, replace: bool) -> None:
    """Rename the finished index to ``destination``; an existing one is swapped out, not merged."""
    old = None
    if destination.exists() and replace:
        old = destination.with_name(f".old-{destination.name}-{os.getpid()}")
        os.replace(destination, old)
    try:
        os.replace(work, destination)
    except OSError:
        if not (destination / layout.MANIFEST).is_file():
            raise
        shutil.rmtree(work)  # another scan of this case imported the same file first
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def list_hashsets(library: Path | None = None) -> list[HashSet]:
    """The sets in the library, by name; unreadable directories are skipped."""
    root = library or library_dir()
    found = []
    for path in sorted(root.iterdir()) if root.is_dir() else ():
        if not path.name.startswith(".") and (path / layout.MANIFEST).is_file():
            try:
                found.append(HashSet(path))
            except HashSetError:
                continue
    return found


def open_library_set(name: str, library: Path | None = None) -> HashSet:
    path = (library or library_dir()) / name
    if not _NAME.fullmatch(name) or not (path / layout.MANIFEST).is_file():
        raise HashSetError(f"no imported hash set named {name!r} (see 'forensix hashset list')")
    return HashSet(path)


def open_hashset(spec: str, case_dir: Path | None = None, progress: Progress | None = None) -> HashSet:
    """Open a set for a scan: the name of an imported set, or a path to any supported file.

    A file is imported on first use into the one per-user library, keyed by its
    SHA-256 (``<library>/_by-sha256/<sha256>``), and reused by every later case:
    an NSRL-size index is built once per examiner, not once per case folder. The
    case records the set's name, SHA-256 and entry count, which is what ties a hit
    to the exact list. A case made by an earlier forensix may hold its own index
    (``case_dir/hashsets/<sha256>``); that one is kept in use.
    """
    path = Path(spec).expanduser()
    if _NAME.fullmatch(spec) and (library_dir() / spec / layout.MANIFEST).is_file():
        return open_library_set(spec)
    if path.is_dir() and (path / layout.MANIFEST).is_file():
        return HashSet(path)
    if not path.is_file():
        raise HashSetError(f"hash set {spec!r} is neither an imported set (see 'forensix hashset list') nor a file")
    sha256 = file_sha256(path)
    candidates = [library_dir() / BY_SHA256 / sha256]
    if case_dir is not None:
        candidates.insert(0, Path(case_dir) / "hashsets" / sha256)
    for cached in candidates:
        if (cached / layout.MANIFEST).is_file():
            try:
                return HashSet(cached)
            except HashSetError:  # built by an older forensix (index layout): same source, built again
                pass
    return build_index(path, candidates[-1], name=path.name, source_sha256=sha256, progress=progress, replace=True)
