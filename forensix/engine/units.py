"""The units of work, as plain data.

A walker turns evidence into :class:`FileRef` items; the coordinator groups
them into :class:`WorkUnit` batches that any worker, in this process tree or
(later) on another machine, can carry out with nothing but the evidence at the
path given. Everything here is made of strings, numbers and tuples of them, so
it pickles, and turns into JSON and back (:func:`ref_to_json`,
:func:`ref_from_json`) for the case's work queue.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields

from forensix.engine.priority import priority
from forensix.records import ChunkReader, FileEntry

ByteRun = tuple[int, int, int]
"""``(file_offset, image_offset, length)`` of one stretch of a file's content on the media."""


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """Which evidence item, and how a worker opens it (read-only, itself)."""

    evidence_id: int
    path: str
    fmt: str
    label: str


Step = tuple
"""One layer between the evidence and a file system, as plain data: ``("partition", slot, offset,
length)`` (offset inside the layer above), ``("bitlocker", secret_kind)``, ``("luks", secret_kind)``,
``("lvm", "VG/LV")``, ``("vss", store_index)`` (0-based), ``("apfs", volume_index, secret_kind)``.
``secret_kind`` names which secret opened it (``password``, ``recovery key``, ``startup key``) or is
``None``; the secret itself is never part of a step."""


@dataclass(frozen=True, slots=True)
class VolumeRef:
    """Where a file system lies in the evidence, enough for any worker to reopen it from the
    evidence alone (plus the scan's secrets); ``fs_type`` ``folder`` for logical evidence.

    ``offset`` is the volume offset the records carry (the file system's offset in the
    image, or for a volume inside an encryption, snapshot or container layer, that layer's
    offset); ``chain`` the layer steps from the evidence to the file system; ``snapshot``
    the 1-based Volume Shadow Copy store; ``label`` says it in words (``partition 2 /
    bitlocker / ntfs``).
    """

    offset: int
    fs_type: str
    chain: tuple[Step, ...] = ()
    snapshot: int | None = None
    label: str = ""

    @property
    def key(self) -> str:
        """Tells apart volumes at the same offset (a shadow copy and its live volume, the
        volumes of one APFS container); ``""`` where the offset alone does, as before layers."""
        if self.snapshot is None and all(step[0] == "partition" for step in self.chain):
            return ""
        return json.dumps([self.chain, self.snapshot, self.fs_type], separators=(",", ":"))

    def to_json(self) -> str:
        return json.dumps([self.offset, self.fs_type, self.chain, self.snapshot, self.label],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "VolumeRef":
        offset, fs_type, chain, snapshot, label = json.loads(text)
        return cls(offset, fs_type, tuple(tuple(step) for step in chain), snapshot, label)


@dataclass(frozen=True, slots=True)
class FileRef:
    """One file as a walker found it, before anything of its content is read.

    ``meta_addr`` is The Sleuth Kit's metadata address (``None`` when the name's
    metadata is gone: nothing can be read); ``attr`` the NTFS attribute
    ``(type, id)`` of a data stream. For a folder, ``path`` is relative to the
    folder and the content is read from there.
    """

    path: str
    inode: str
    deleted: bool
    size: int
    mtime: str | None = None
    atime: str | None = None
    ctime: str | None = None
    crtime: str | None = None
    meta_addr: int | None = None
    attr: tuple[int, int] | None = None
    first_offset: int = 0
    """Image offset of the first byte of content: work is ordered by it so reads stay near-sequential."""
    byte_runs: tuple[ByteRun, ...] = ()
    warnings: tuple[str, ...] = ()
    path_hex: str | None = None
    """The raw path's bytes in hex when they are not valid UTF-8 (``path`` then shows them escaped)."""
    stream: str | None = None
    """The named stream this file is (an NTFS alternate data stream, an APFS resource fork)."""

    def __reduce__(self) -> tuple:
        """Pickled as its values (units cross to workers by the thousand; a slotted
        dataclass's default pickling is several times slower)."""
        return FileRef, tuple(getattr(self, name) for name in _REF_FIELDS)

    def entry(self, evidence: str, volume: VolumeRef, read_chunks: ChunkReader | None = None) -> FileEntry:
        """The engine's entry for this file, reading through ``read_chunks``."""
        return FileEntry(evidence=evidence, volume_offset=volume.offset, fs_type=volume.fs_type, path=self.path,
                         inode=self.inode, deleted=self.deleted, size=self.size, mtime=self.mtime,
                         atime=self.atime, ctime=self.ctime, crtime=self.crtime, warnings=self.warnings,
                         byte_runs=self.byte_runs, path_hex=self.path_hex, stream=self.stream,
                         read_chunks=read_chunks)


_REF_FIELDS = [f.name for f in fields(FileRef)]


def ref_to_json(ref: FileRef) -> str:
    return json.dumps([getattr(ref, name) for name in _REF_FIELDS], ensure_ascii=False, separators=(",", ":"))


QueueRow = tuple[str, str, int, int, int, str]
"""A file as the case's work queue holds it: ``(inode, path, priority, sort_key, size, ref_json)``."""


def queue_row(ref: FileRef) -> QueueRow:
    """Made by the walker process, so the coordinator only inserts."""
    return ref.inode, ref.path, priority(ref.path), ref.first_offset, ref.size, ref_to_json(ref)


def ref_from_json(text: str) -> FileRef:
    values = dict(zip(_REF_FIELDS, json.loads(text)))
    values["attr"] = tuple(values["attr"]) if values.get("attr") is not None else None
    values["byte_runs"] = tuple(tuple(run) for run in values["byte_runs"])
    values["warnings"] = tuple(values["warnings"])
    return FileRef(**values)


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """A batch of files of one volume for one worker; ``seqs`` name them in the case's work queue."""

    unit_id: int
    evidence: EvidenceRef
    volume: VolumeRef
    files: tuple[FileRef, ...]
    seqs: tuple[int, ...]
