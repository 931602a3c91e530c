"""Hashes of the evidence media itself, so a court can be shown that the bytes
examined are the bytes seized, and that the examination did not change them.

A disk image is hashed over the whole media as the container presents it (for
E01 that is the acquired disk, which is what the imaging tool's stored MD5/SHA-1
cover). A folder has no single byte stream, so it gets a *manifest hash*:

    for every regular file, sorted by its path relative to the folder:
        json.dumps(path) + " " + str(size) + " " + sha256(content) + "\\n"

and MD5/SHA-1/SHA-256 over those UTF-8 lines. ``json.dumps`` keeps a name with a
newline or a space on one unambiguous line. Symbolic links are not followed, as
in the scan: a link, or a FIFO, socket or device, is the line
``json.dumps(path) + " " + json.dumps("symbolic link to TARGET" or "special file
(FIFO, socket or device)")``. Anyone can recompute the manifest with a short script.
"""
from __future__ import annotations

import hashlib
import json
from typing import Callable, Mapping

from forensix.walkers import folder
from forensix.digests import ALGORITHMS, MultiHasher
from forensix.evidence import EvidenceSource

CHUNK = 4 << 20

Progress = Callable[[int], None]
"""Called with the number of bytes just hashed (for a progress bar)."""


class MediaReadError(Exception):
    """The media could not be read to its end: its hash would be meaningless."""


def hash_media(source: EvidenceSource, progress: Progress | None = None) -> dict[str, str]:
    """MD5, SHA-1 and SHA-256 of the whole media (or of a folder's manifest)."""
    if source.is_folder:
        return _hash_folder(source, progress)
    if source.image is None:
        raise MediaReadError(f"{source.path}: {source.damage or 'the evidence could not be opened'}")
    hasher = MultiHasher()
    offset = 0
    failed = source.image.failed_reads
    while offset < source.size:
        data = source.image.read(offset, min(CHUNK, source.size - offset))
        if not data:
            raise MediaReadError(f"{source.path}: media ends at byte {offset} of {source.size}")
        if source.image.failed_reads != failed:
            first = min(at for at in source.image.unreadable if at >= offset)
            raise MediaReadError(f"{source.path}: media unreadable at byte {first}"
                                 f" ({source.image.unreadable[first][1]})")
        hasher.update(data)
        offset += len(data)
        if progress is not None:
            progress(len(data))
    return hasher.hexdigests()


def _hash_folder(source: EvidenceSource, progress: Progress | None) -> dict[str, str]:
    problems: list[str] = []
    lines = []
    for ref in folder.walk(source.path, problems.append,
                           lambda path, what: lines.append(f"{json.dumps(path)} {json.dumps(what)}\n")):
        content = hashlib.sha256()
        for chunk in folder.reader(source.path, ref)():
            content.update(chunk)
            if progress is not None:
                progress(len(chunk))
        lines.append(f"{json.dumps(ref.path)} {ref.size} {content.hexdigest()}\n")
    if problems:  # an unreadable file makes the manifest incomplete, so not a hash to rely on
        raise MediaReadError(f"{source.path}: {problems[0]}")
    manifest = "".join(sorted(lines)).encode("utf-8")
    return {a: hashlib.new(a, manifest).hexdigest() for a in ALGORITHMS}


def compare_stored(stored: Mapping[str, str | None], computed: Mapping[str, str | None]) -> str:
    """Compare the hashes an imaging tool stored in the container with ours.

    Returns ``"match"``, ``"mismatch"`` or ``"none stored"``; only algorithms
    present on both sides are compared (E01 stores MD5 and optionally SHA-1).
    """
    pairs = [(stored.get(a), computed.get(a)) for a in ALGORITHMS if stored.get(a) and computed.get(a)]
    if not pairs:
        return "none stored"
    return "match" if all(s.lower() == c.lower() for s, c in pairs) else "mismatch"


def compare_recorded(recorded: Mapping[str, str | None], computed: Mapping[str, str]) -> list[str]:
    """Algorithms whose recorded hash differs from the one computed now."""
    return [a for a in ALGORITHMS if recorded.get(a) and recorded[a] != computed.get(a)]


def record_media_hashes(store, evidence_id: int, path: str, phase: str, digests: Mapping[str, str],
                        stored: Mapping[str, str]) -> None:
    """Store the media's hashes in the case and log them: ``phase="start"`` for the
    acquisition hash taken beside the scan (columns md5/sha1/sha256), ``"end"`` for a
    second pass after it (end_*), with the comparison against the container's stored hashes."""
    prefix = "" if phase == "start" else "end_"
    store.update_evidence(evidence_id, **{prefix + a: digests[a] for a in ALGORITHMS})
    store.log_action(f"evidence hashed ({phase})", path=path, **digests, stored=compare_stored(stored, digests))
