"""A recorded file's content read again from the evidence, through the same volume layers the
scan read it through (partitions, BitLocker, LUKS, LVM2, APFS, XFS, shadow copies, a VHD
chain), for the report's thumbnails.

Each evidence item and each volume is opened once per report, read-only, from the volume's
reference the case stored (:class:`forensix.engine.units.VolumeRef`) and the keys given to the
report command, which are never stored. A volume that cannot be opened again (a locked layer
without its key, evidence moved away) is said once in ``problems``, in words; its files read as
``None``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from forensix.engine.units import FileRef, VolumeRef
from forensix.evidence import EvidenceSource, open_evidence
from forensix.evidence.images import library_reason
from forensix.volumes import OpenedVolume, Secrets, open_volume
from forensix.volumes.secrets import NONE
from forensix.walkers import folder
from forensix.walkers.fstypes import reader

VolumeKey = tuple[str, int, str]
"""``(exhibit, volume offset, volume key)``: one volume of the current scans."""


class Rereader:
    """Reads recorded files again; ``problems`` says which volumes could not be opened, and why."""

    def __init__(self, evidence_paths: dict[str, str], volume_refs: dict[VolumeKey, str] | None = None,
                 secrets: Secrets = NONE) -> None:
        self.evidence_paths = evidence_paths  # exhibit label -> evidence path
        self.volume_refs = volume_refs or {}
        self.secrets = secrets
        self.sources: dict[str, EvidenceSource | None] = {}
        self.volumes: dict[VolumeKey, tuple[str, OpenedVolume] | None] = {}
        """Each volume opened, with its kind of file system (which walker reads it)."""
        self.problems: list[str] = []

    def close(self) -> None:
        self.volumes.clear()
        for source in self.sources.values():
            if source is not None:
                source.close()

    def read(self, item: dict[str, Any], limit: int) -> bytes | None:
        """The content of the file of ``item`` (a report's copy of a file row: exhibit,
        volume_offset, volume_key, fs_type, inode, path, size, record), no more than the
        first chunk past ``limit`` bytes, or ``None`` when it cannot be opened; read errors propagate."""
        source = self._source(item["exhibit"])
        if source is None:
            return None
        ref = _file_ref(item)
        if source.is_folder:
            read_chunks = _folder_reader(source.path, ref)
        else:
            opened = self._volume(source, item)
            if opened is None:
                return None
            fs_type, volume = opened
            read_chunks = reader(fs_type, volume.fs, ref)
        if read_chunks is None:
            return None
        data = bytearray()
        for chunk in read_chunks():
            data += chunk
            if len(data) > limit:
                break
        return bytes(data)

    def _source(self, exhibit: str) -> EvidenceSource | None:
        if exhibit not in self.sources:
            self.sources[exhibit] = None
            path = self.evidence_paths.get(exhibit)
            try:
                source = open_evidence(path) if path else None
            except Exception as exc:  # EvidenceError, or whatever an image library raises on a changed file
                self.problems.append(f"exhibit {exhibit}: the evidence at {path} cannot be opened now"
                                     f" ({library_reason(exc)})")
                return None
            if source is not None and not source.is_folder and source.image is None:
                self.problems.append(f"exhibit {exhibit}: the evidence at {path} cannot be opened now"
                                     f" ({source.damage or 'no reason given'})")
                source.close()
                return None
            self.sources[exhibit] = source
        return self.sources[exhibit]

    def _ref(self, item: dict[str, Any]) -> VolumeRef:
        """The volume's stored reference; a case made before volume layers holds none, and its
        volumes are file systems at their offset, as they were then."""
        text = self.volume_refs.get(_key(item))
        return VolumeRef.from_json(text) if text else VolumeRef(item["volume_offset"], item["fs_type"] or "")

    def _volume(self, source: EvidenceSource, item: dict[str, Any]) -> tuple[str, OpenedVolume] | None:
        key = _key(item)
        if key not in self.volumes:
            self.volumes[key] = None
            ref = self._ref(item)
            try:
                self.volumes[key] = ref.fs_type, open_volume(source.image, ref, self.secrets)
            except Exception as exc:  # a locked layer, a changed image: the libraries raise many kinds
                where = ref.label or f"the volume at byte {ref.offset}"
                self.problems.append(f"exhibit {key[0]}, {where}: {library_reason(exc)}")
        return self.volumes[key]


def volume_refs(rows: Iterable[Any], labels: dict[int, str]) -> dict[VolumeKey, str]:
    """The stored reference of each volume (rows of the case's ``volumes`` view), by exhibit label."""
    return {(labels.get(r["evidence_id"], "?"), r["offset"], r["volume_key"] or ""): r["ref"] for r in rows if r["ref"]}


def _key(item: dict[str, Any]) -> VolumeKey:
    return item["exhibit"], item["volume_offset"], item.get("volume_key") or ""


def _file_ref(item: dict[str, Any]) -> FileRef:
    """The file as its walker listed it, from its record: the metadata address and, for an NTFS
    stream or an APFS resource fork, the attribute, both in the inode (``ADDR`` or ``ADDR-TYPE-ID``)."""
    address, *attr = str(item["inode"]).split("-")
    record = item["record"]
    return FileRef(path=item["path"], inode=item["inode"], deleted=bool(item.get("deleted")), size=item["size"] or 0,
                   meta_addr=int(address) if address.isdigit() else None,
                   attr=(int(attr[0]), int(attr[1])) if len(attr) == 2 else None,
                   path_hex=record.get("path_hex"), stream=record.get("stream"))


def _folder_reader(root: Path, ref: FileRef) -> Any:
    """The folder walker's reader, for a regular file still inside the folder (by now a name may
    be a link leading out of the evidence, or a FIFO that would block the report)."""
    path = folder.raw_path(root, ref)
    inside, real = os.path.realpath(os.fsencode(root)), os.path.realpath(path)
    if os.path.islink(path) or not os.path.isfile(real) or os.path.commonpath([inside, real]) != inside:
        return None
    return folder.reader(root, ref)
