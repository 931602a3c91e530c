"""Listing an evidence item's files, in a process of its own.

The Sleuth Kit can loop for ever on a damaged directory (damaged ISO 9660 and
HFS+ directories exist on which its own ``fls -r`` never returns) or crash on a
hostile one; run apart, such a walk costs a warning, not the scan, and Ctrl-C
stops it. The walk sends what it finds as it goes, so the files already listed
are scanned whatever becomes of the rest.

Messages (plain data): ``("volume", offset, length, description, slot, fs_type)``,
``("refs", volume_offset, fs_type, [QueueRow, ...])`` (:func:`forensix.engine.units.queue_row`),
``("warning", location, message)``, then ``("walked",)``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from forensix.engine.units import EvidenceRef, QueueRow, queue_row

BATCH = 500

Send = Callable[[tuple], None]


def walk_evidence(evidence: EvidenceRef, send: Send) -> None:
    from forensix.evidence import open_evidence
    from forensix.volumes import find_filesystems
    from forensix.walkers import folder, tsk

    label = evidence.label
    source = open_evidence(evidence.path)
    try:
        if source.is_folder:
            send(("volume", 0, None, "folder", None, "folder"))
            _stream(folder.walk(Path(source.path), _warner(send, label)), 0, "folder", send)
        elif source.image is None:
            send(("warning", label, source.damage or "the evidence could not be opened"))
        else:
            for volume, fs in find_filesystems(source.image.tsk, _warner(send, label)):
                fs_type = tsk.fs_type_name(fs) if fs is not None else None
                send(("volume", volume.offset, volume.length, volume.description, volume.slot, fs_type))
                if fs is not None:
                    warn = _warner(send, f"{label} @ {volume.offset}")
                    _stream(tsk.walk(fs, volume.offset, warn), volume.offset, fs_type, send)
    finally:
        source.close()
    send(("walked",))


def _warner(send: Send, location: str) -> Callable[[str], None]:
    return lambda message: send(("warning", location, message))


def _stream(refs: Any, offset: int, fs_type: str, send: Send) -> None:
    batch: list[QueueRow] = []
    for ref in refs:
        batch.append(queue_row(ref))
        if len(batch) >= BATCH:
            send(("refs", offset, fs_type, batch))
            batch = []
    if batch:
        send(("refs", offset, fs_type, batch))


def walker_main(conn: Any, evidence: EvidenceRef) -> None:
    from forensix.engine.worker import quiet_child

    quiet_child()
    try:
        walk_evidence(evidence, conn.send)
    except (BrokenPipeError, EOFError):
        pass


def media_hash_main(conn: Any, path: str) -> None:
    from forensix.engine.worker import quiet_child

    quiet_child()
    hash_media_to(conn, path)


def hash_media_to(conn: Any, path: str) -> None:
    """The acquisition hash of the whole media, beside the file walk; progress now and then:
    ``("media progress", bytes)``, then ``("media hash", digests, stored)`` or ``("media hash failed", why)``."""
    from forensix.evidence import EvidenceError, open_evidence
    from forensix.integrity import MediaReadError, hash_media

    done = [0, 0]
    try:
        source = open_evidence(path)

        def progress(nbytes: int) -> None:
            done[0] += nbytes
            if done[0] - done[1] >= 64 << 20:
                conn.send(("media progress", done[0], source.size))
                done[1] = done[0]

        try:
            conn.send(("media hash", hash_media(source, progress), dict(source.stored_hashes)))
        finally:
            source.close()
    except (EvidenceError, MediaReadError, OSError) as exc:
        conn.send(("media hash failed", str(exc)))
    except (BrokenPipeError, EOFError):
        pass
