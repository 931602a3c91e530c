"""A worker: opens the evidence itself, reads, hashes and analyses a unit's files.

Image handles are never shared between processes (as in plaso, every worker
builds its own after the fork). The worker tells the coordinator what it is
doing through a small shared-memory heartbeat (unit, file index, time of the
last progress, stage), so a crash or a hang can be put down to one file and
cost only that file.
"""
from __future__ import annotations

import ctypes
import os
import signal
import time
from dataclasses import dataclass
from typing import Any, Callable

from forensix.case.storedrecord import StoredRecord, stored_record
from forensix.engine.pipeline import FilePipeline
from forensix.engine.setup import ScanSetup, configure
from forensix.engine.units import EvidenceRef, FileRef, VolumeRef, WorkUnit
from forensix.records import Digests, FileEntry, FileRecord
from forensix.volumes.secrets import NONE, Secrets
from forensix.walkers import folder
from forensix.walkers.fstypes import reader

SEND_EVERY = 0.05
"""Seconds between result messages: few enough to cost nothing, often enough that a
crash loses little finished work (the coordinator re-runs what it did not receive)."""
SEND_FILES = 64

Send = Callable[[tuple], None]


class Heartbeat:
    """Shared memory the coordinator reads: ``[unit_id, index, last_progress, busy]`` and the stage text."""

    def __init__(self, numbers: Any, stage: Any) -> None:
        self.numbers = numbers
        self.stage_text = stage
        self._last = ""

    def start_file(self, unit_id: int, index: int) -> None:
        n = self.numbers
        n[0], n[1], n[2], n[3] = unit_id, index, time.monotonic(), 1.0
        self.stage("opening")

    def stage(self, text: str) -> None:
        """Called for every chunk read: the text is written only when it changes."""
        self.numbers[2] = time.monotonic()
        if text != self._last:
            self._last = text
            self.stage_text.value = text.encode("utf-8", "replace")[:190]

    def idle(self) -> None:
        self.numbers[3] = 0.0


class _Silent:
    def start_file(self, unit_id: int, index: int) -> None: ...

    def stage(self, text: str) -> None: ...

    def idle(self) -> None: ...


@dataclass(slots=True)
class _Opened:
    """The evidence item and file system a worker has open (one at a time, to bound memory)."""

    secrets: Secrets = NONE
    key: tuple[str, int, str] | None = None
    source: Any = None
    volume: Any = None

    def get(self, evidence: EvidenceRef, volume: VolumeRef) -> tuple[Any, Any]:
        """The evidence and the volume (:class:`forensix.volumes.OpenedVolume`, None for a folder),
        reopened from the volume's chain of layer steps."""
        key = (evidence.path, volume.offset, volume.key)
        if key != self.key:
            self.close()
            from forensix.evidence import open_evidence

            source = open_evidence(evidence.path)
            self.key, self.source = key, source
            if not source.is_folder:
                if source.image is None:
                    raise IOError(source.damage or "the evidence could not be opened")
                from forensix.volumes import open_volume

                self.volume = open_volume(source.image, volume, self.secrets)
        return self.source, self.volume

    def close(self) -> None:
        if self.source is not None:
            self.volume = None
            self.source.close()
        self.key = self.source = None


class UnitRunner:
    """Carries out work units with one plugin host; used by worker processes and by
    the coordinator itself when it runs without workers (``--workers 0``)."""

    def __init__(self, setup: ScanSetup, heartbeat: Heartbeat | None = None) -> None:
        from forensix.walkers.tsk import pin_utc

        pin_utc()
        self.beat = heartbeat or _Silent()
        self.host = setup.plugins.host()
        configure(self.host, setup.config())
        self.pipeline = FilePipeline(self.host, stage=self.beat.stage)
        self._opened = _Opened(setup.secrets)
        self._holes_told: set[int] = set()

    def run(self, unit: WorkUnit, send: Send) -> None:
        """Process every file of ``unit``, sending ``("results", unit_id, [(index, records)], plugin_errors)``
        now and then, and ``("unit done", unit_id, new_holes)`` at the end, where ``new_holes`` are the
        ranges of the image first found unreadable (``{offset: (length, reason)}``)."""
        batch: list[tuple[int, list[StoredRecord]]] = []
        last = time.monotonic()
        errors_before = self.pipeline.plugin_errors
        try:
            source, volume = self._opened.get(unit.evidence, unit.volume)
            self.pipeline.image = volume.place.stream if volume is not None else source.image
            opened_error = None
        except Exception as exc:  # recorded on each file: the walker could open it, so this is damage
            source = volume = None
            opened_error = f"the evidence could not be opened to read this file: {exc}"
        for index, ref in enumerate(unit.files):
            self.beat.start_file(unit.unit_id, index)
            if opened_error is not None:
                records = [unread_record(unit, ref, opened_error)]
            else:
                entry = self._entry(unit, ref, source, volume)
                records = list(self.pipeline.process(entry))
            batch.append((index, [stored_record(r, unit.volume) for r in records]))
            now = time.monotonic()
            if len(batch) >= SEND_FILES or now - last >= SEND_EVERY:
                send(("results", unit.unit_id, batch, self.pipeline.plugin_errors - errors_before))
                errors_before = self.pipeline.plugin_errors
                batch, last = [], now
        self.beat.idle()
        if batch:
            send(("results", unit.unit_id, batch, self.pipeline.plugin_errors - errors_before))
        send(("unit done", unit.unit_id, self._new_holes(source)))

    def open(self, evidence: EvidenceRef, volume: VolumeRef) -> Any:
        """Open (or keep open) what a unit reads, raising when that fails: a worker on another
        machine refuses a unit it cannot read rather than record its files as unreadable."""
        return self._opened.get(evidence, volume)[0]

    def _new_holes(self, source: Any) -> dict[int, tuple[int, str]]:
        holes = getattr(getattr(source, "image", None), "unreadable", None) or {}
        new = {offset: hole for offset, hole in holes.items() if offset not in self._holes_told}
        self._holes_told.update(new)
        return new

    def _entry(self, unit: WorkUnit, ref: FileRef, source: Any, volume: Any) -> FileEntry:
        if source.is_folder:
            read_chunks = folder.reader(source.path, ref)
        else:
            read_chunks = reader(unit.volume.fs_type, volume.fs, ref, source.image)
        return ref.entry(unit.evidence.label, unit.volume, read_chunks)

    def close(self) -> None:
        self._opened.close()


def unread_record(unit: WorkUnit, ref: FileRef, why: str) -> FileRecord:
    """A file the scan could not read or analyse: still a record, with null digests and the reason."""
    entry = ref.entry(unit.evidence.label, unit.volume)
    return FileRecord(entry, Digests(None, None, None, 0), {}, (), (*entry.warnings, why))


def quiet_child() -> None:
    """Set up a child process of the scan: Ctrl-C is the coordinator's to handle, and
    (on Linux) a child whose parent is killed (kill -9, power button) does not linger."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def worker_main(conn: Any, numbers: Any, stage: Any, setup: ScanSetup) -> None:
    """Entry point of a worker process: units in through ``conn``, results out through it."""
    quiet_child()
    runner = UnitRunner(setup, Heartbeat(numbers, stage))
    conn.send(("ready", os.getpid()))
    try:
        while True:
            unit = conn.recv()
            if unit is None:
                break
            runner.run(unit, conn.send)
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        runner.close()
