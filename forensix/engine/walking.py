"""Listing an evidence item's files, in a process of its own.

The Sleuth Kit can loop for ever on a damaged directory (damaged ISO 9660 and
HFS+ directories exist on which its own ``fls -r`` never returns) or crash on a
hostile one; run apart, such a walk costs a warning, not the scan, and Ctrl-C
stops it. The walk sends what it finds as it goes, so the files already listed
are scanned whatever becomes of the rest.

Messages (plain data): ``("volume", VolumeRef, length, description, slot, state)`` (``state``
says whether an encrypted layer was unlocked, and with which kind of secret, or stayed locked),
``("refs", VolumeRef, [QueueRow, ...])`` (:func:`forensix.engine.units.queue_row`),
``("warning", location, message)``, then ``("walked",)``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from forensix.engine.units import EvidenceRef, QueueRow, VolumeRef, queue_row
from forensix.volumes.secrets import NONE, Secrets

BATCH = 500

Send = Callable[[tuple], None]


def walk_evidence(evidence: EvidenceRef, send: Send, secrets: Secrets = NONE, shadow_copies: bool = True) -> None:
    from forensix.evidence import open_evidence
    from forensix.volumes import discover

    label = evidence.label
    source = open_evidence(evidence.path)
    try:
        if source.is_folder:
            from forensix.walkers import folder

            volume = VolumeRef(0, "folder")
            send(("volume", volume, None, "folder", None, None))
            _stream(folder.walk(Path(source.path), _warner(send, label)), volume, send)
        elif source.image is None:
            send(("warning", label, source.damage or "the evidence could not be opened"))
        else:
            for found in discover(source.image, _warner(send, label), secrets, shadow_copies):
                send(("volume", found.ref, found.length, found.description, found.slot, found.state))
                if found.fs is not None:
                    where = f"{label} @ {found.ref.offset}" + (f" ({found.ref.label})" if found.ref.key else "")
                    _stream(_walk(found, _warner(send, where)), found.ref, send)
    finally:
        source.close()
    send(("walked",))


def _walk(found: Any, warn: Callable[[str], None]) -> Any:
    """The files of one volume, by the walker of its kind of file system."""
    from forensix.walkers import fstypes

    ref = found.ref
    return fstypes.walk(ref.fs_type, found.fs, ref.offset, warn, mapped=found.place.image_offset is not None)


def _warner(send: Send, location: str) -> Callable[[str], None]:
    return lambda message: send(("warning", location, message))


def _stream(refs: Any, volume: VolumeRef, send: Send) -> None:
    batch: list[QueueRow] = []
    for ref in refs:
        batch.append(queue_row(ref))
        if len(batch) >= BATCH:
            send(("refs", volume, batch))
            batch = []
    if batch:
        send(("refs", volume, batch))


def walker_main(conn: Any, evidence: EvidenceRef, secrets: Secrets = NONE, shadow_copies: bool = True) -> None:
    from forensix.engine.worker import quiet_child

    quiet_child()
    try:
        walk_evidence(evidence, conn.send, secrets, shadow_copies)
    except (BrokenPipeError, EOFError):
        pass


def media_hash_main(conn: Any, path: str) -> None:
    from forensix.engine.worker import quiet_child

    quiet_child()
    hash_media_to(conn, path)


def hash_media_to(conn: Any, path: str) -> None:
    """The acquisition hash of the whole media, beside the file walk; progress now and then:
    ``("media progress", bytes)``, then ``("media hash", digests, stored)`` or ``("media hash failed", why)``."""
    from forensix.case.integrity import MediaReadError, hash_media
    from forensix.evidence import EvidenceError, open_evidence

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
