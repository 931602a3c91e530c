"""The main process of a scan: walk, hand out work, watch the workers, write the case.

One evidence item at a time: a walker process lists its files into the case's
work queue (durable, so a killed scan resumes where it stopped), a media-hash
process hashes the whole media beside it, and worker processes take units of
files from the queue, most urgent first (:mod:`forensix.engine.priority`), then
in disk order. Only this process writes the case, in batched transactions: a
file's record and the removal of its queue entry commit together, so nothing
is lost or doubled whenever the scan stops.

A worker that crashes (a segfault or abort in The Sleuth Kit, a library or a
plugin) or makes no progress on one file for ``file_timeout`` seconds costs
that one file: it is recorded with no digest and a warning naming the signal
and the stage, the rest of the worker's files go back to the queue, and a fresh
worker takes over.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sqlite3
import time
from collections import deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from types import SimpleNamespace
from typing import Any, Callable

from forensix.case.store import CaseStore
from forensix.case.storedrecord import StoredRecord, stored_record
from forensix.engine.executor import Executor
from forensix.engine.setup import ScanSetup
from forensix.engine.units import EvidenceRef, VolumeRef, WorkUnit, ref_from_json
from forensix.engine.walking import hash_media_to, media_hash_main, walk_evidence, walker_main
from forensix.engine.worker import UnitRunner, unread_record, worker_main

log = logging.getLogger(__name__)

UNIT_FILES = 128
UNIT_BYTES = 32 << 20
UNIT_CHARS = 24_000
"""A unit's refs stay well under a socket buffer, so handing one out never blocks."""
COMMIT_EVERY = 0.5
"""Seconds between commits: what a power cut can cost, at most, besides the files in flight."""
TOTALS_EVERY = 1.0
"""Seconds between recounts of the queue for the progress display while the walk streams in
(each recount reads the whole queue: once per batch of the walk it cost half a second a scan)."""
TICK = 0.2
START_FAILURES = 3
"""Workers dying before their first file this many times in a row: the scan cannot go on."""


class EngineError(Exception):
    """The scan cannot go on at all (workers cannot start); the case keeps what was done."""


class Progress:
    """What the engine tells the console as it goes; the default says nothing."""

    def listing(self, label: str) -> None: ...

    def totals(self, label: str, files: int, nbytes: int) -> None: ...

    def advance(self, files: int, nbytes: int) -> None: ...

    def alert(self, label: str, path: str, matches: tuple[dict[str, Any], ...]) -> None: ...

    def warning(self, text: str) -> None: ...

    def media(self, label: str, done: int, total: int) -> None: ...


@dataclass(slots=True)
class ScanStats:
    evidence: int = 0
    volumes: int = 0
    files: int = 0
    deleted: int = 0
    bytes_hashed: int = 0
    alerts: int = 0
    known_good: int = 0
    warnings: int = 0
    plugin_errors: int = 0
    worker_failures: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, row: StoredRecord) -> None:
        if row.is_member:
            self.extra["archive_members"] = self.extra.get("archive_members", 0) + 1
        else:
            self.files += 1
        self.deleted += row.deleted
        self.bytes_hashed += row.bytes_read
        self.alerts += bool(row.alerts)
        self.known_good += row.known_good
        self.warnings += row.warnings


@dataclass(slots=True)
class _Unit:
    unit: WorkUnit
    done: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Worker:
    process: Any
    conn: Connection
    numbers: Any
    stage: Any
    ready: bool = False
    started_files: bool = False
    units: deque[_Unit] = field(default_factory=deque)
    killed_for: str | None = None

    @property
    def busy(self) -> bool:
        return bool(self.units)


@dataclass(slots=True)
class _Item:
    """The evidence item being scanned."""

    ref: EvidenceRef
    scan_id: int
    resumed: bool = False
    walker: Any = None
    walker_conn: Connection | None = None
    walker_heard: float = 0.0
    walked: bool = False
    totals_told: float = 0.0
    """When the progress display was last given the scan's totals (a count over the queue)."""
    media: Any = None
    media_conn: Connection | None = None
    holes: dict[int, tuple[int, str]] = field(default_factory=dict)


class Coordinator:
    def __init__(self, store: CaseStore, setup: ScanSetup, workers: int, progress: Progress | None = None,
                 on_media_hash: Callable[[int, dict[str, str] | None, dict[str, str], str | None], None] | None = None,
                 executor: Executor | None = None) -> None:
        self.store = store
        self.setup = setup
        self.workers_wanted = workers
        self.progress = progress or Progress()
        self.on_media_hash = on_media_hash
        self.executor = executor
        """Units carried out elsewhere (:mod:`forensix.engine.executor`) instead of by local workers."""
        self.stats = ScanStats()
        self._ctx = engine_context() if workers or executor is not None else None
        self._workers: list[_Worker] = []
        self._runner: UnitRunner | None = None
        self._next_unit = 1
        self._last_commit = time.monotonic()
        self._start_failures = 0
        self._item: _Item | None = None
        self._volumes: dict[tuple[int, str], VolumeRef] = {}

    # -- one evidence item --------------------------------------------------
    def scan(self, ref: EvidenceRef, scan_id: int, walked: bool, media_hash: bool) -> None:
        """Scan one evidence item into ``scan_id`` until its queue is empty (or raise)."""
        resumed = self.store.recorded(scan_id)[0] > 0
        item = self._item = _Item(ref, scan_id, resumed=resumed, walked=walked)
        self._volumes = {}
        self.stats.evidence += 1
        self.store.resume_queue(scan_id, walked, resumed)
        done_files, done_bytes = self.store.recorded(scan_id)
        self.progress.listing(ref.label)
        if media_hash:
            self._start_media(item)
        if not walked:
            self._start_walker(item)
        self._report_totals(item, done_files, done_bytes)
        self.progress.advance(done_files, done_bytes)
        if self.executor is not None:
            self._scan_with_executor(item, self.executor)
        elif not self.workers_wanted:
            self._scan_in_process(item)
        else:
            self._scan_with_workers(item)
        self._flush()
        self._drop_unchanged_snapshots(item)
        if item.holes:
            first = min(item.holes)
            self._warn(ref.label, f"{len(item.holes)} unreadable ranges in the image, first at byte {first} "
                                  f"({item.holes[first][1]}); zeros were read in their place and no file touching "
                                  "them has a digest")
        self.store.commit()

    def _drop_unchanged_snapshots(self, item: _Item) -> None:
        """A shadow copy's files that its live volume holds as they are (same inode and SHA-256)
        are no records of their own; decided once all are recorded, whatever order workers took."""
        for text in self.store.snapshot_volumes(item.scan_id):
            snapshot = VolumeRef.from_json(text)
            live = replace(snapshot, chain=snapshot.chain[:-1], snapshot=None)
            self.stats.files -= self.store.drop_unchanged_snapshot_files(item.scan_id, snapshot.key, live.key)
        self.store.commit()

    def _scan_in_process(self, item: _Item) -> None:
        if self._runner is None:
            self._runner = UnitRunner(self.setup)
        while True:
            unit = self._take(item)
            if unit is None:
                break
            state = _Unit(unit)
            self._runner.run(unit, lambda message: self._on_worker_message(None, state, message))
            self._maybe_commit()

    def _scan_with_workers(self, item: _Item) -> None:
        self._ensure_workers()
        while True:
            self._hand_out(item)
            if self._finished(item):
                break
            waitables: list[Any] = []
            for w in self._workers:
                waitables += [w.conn, w.process.sentinel]
            for conn in (item.walker_conn, item.media_conn):
                if conn is not None:
                    waitables.append(conn)
            for ready in wait(waitables, timeout=TICK):
                self._on_ready(item, ready)
            self._watch(item)
            self._maybe_commit()

    def _finished(self, item: _Item) -> bool:
        return (item.walked and item.walker_conn is None and item.media_conn is None
                and not any(w.busy for w in self._workers) and not self.store.has_queued(item.scan_id))

    # -- the walker and the media hash ---------------------------------------
    def _start_walker(self, item: _Item) -> None:
        if self._ctx is None:
            walk_evidence(item.ref, lambda message: self._on_walk(item, message), self.setup.secrets,
                          self.setup.shadow_copies)
            return
        parent, child = self._ctx.Pipe()
        item.walker = self._ctx.Process(target=walker_main, daemon=True,
                                        args=(child, item.ref, self.setup.secrets, self.setup.shadow_copies),
                                        name=f"forensix-walk-{item.ref.label}")
        item.walker.start()
        child.close()
        item.walker_conn, item.walker_heard = parent, time.monotonic()

    def _start_media(self, item: _Item) -> None:
        if self._ctx is None:
            hash_media_to(SimpleNamespace(send=lambda message: self._on_media(item, message)), item.ref.path)
            return
        parent, child = self._ctx.Pipe(duplex=False)
        item.media = self._ctx.Process(target=media_hash_main, args=(child, item.ref.path), daemon=True,
                                       name=f"forensix-media-{item.ref.label}")
        item.media.start()
        child.close()
        item.media_conn = parent

    def _on_walk(self, item: _Item, message: tuple) -> None:
        kind = message[0]
        if kind == "refs":
            _, volume, rows = message
            self.store.queue(item.scan_id, ((volume.offset, volume.fs_type, *row, volume.key) for row in rows),
                             skip_recorded=item.resumed)
            if time.monotonic() - item.totals_told >= TOTALS_EVERY:
                self._report_totals(item)
        elif kind == "volume":
            self._on_volume(item, *message[1:])
        elif kind == "warning":
            self._warn(message[1], message[2])
        elif kind == "walked":
            self._walked(item)

    def _on_volume(self, item: _Item, volume: VolumeRef, length: int | None, description: str, slot: int | None,
                   state: str | None) -> None:
        """A volume the walker found; the log says which encrypted ones were unlocked and with
        which kind of secret (never the secret)."""
        self.store.add_volume(item.ref.evidence_id, item.scan_id, volume.offset, length, description, slot,
                              volume.fs_type or None, volume.key, volume.label or None, state, volume.to_json())
        self._volumes[(volume.offset, volume.key)] = volume
        self.stats.volumes += bool(volume.fs_type)
        if state is not None and state.startswith("unlocked with "):
            self.store.log_action("volume unlocked", evidence=item.ref.label, volume=volume.label,
                                  offset=volume.offset, secret=state[len("unlocked with "):])

    def _on_media(self, item: _Item, message: tuple) -> None:
        if message[0] == "media progress":
            self.progress.media(item.ref.label, message[1], message[2])
            return
        if self.on_media_hash is not None:
            if message[0] == "media hash":
                self.on_media_hash(item.ref.evidence_id, message[1], message[2], None)
            else:
                self.on_media_hash(item.ref.evidence_id, None, {}, message[1])
        self.store.set_scan(item.scan_id, media_hashed=1)

    def _close_walker(self, item: _Item, why: str | None) -> None:
        if item.walker_conn is None:
            return
        item.walker_conn.close()
        item.walker_conn = None
        _stop(item.walker)
        if not item.walked:
            self._warn(item.ref.label, f"the listing of files stopped early ({why}); the files listed before "
                                       "that are scanned, the rest of the file system is not")
            self._walked(item)

    def _walked(self, item: _Item) -> None:
        item.walked = True
        self.store.set_scan(item.scan_id, walked=1)
        self.store.walk_done()
        self._report_totals(item)

    # -- workers --------------------------------------------------------------
    def _ensure_workers(self) -> None:
        while len(self._workers) < self.workers_wanted:
            self._workers.append(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        numbers = self._ctx.Array("d", 4, lock=False)
        stage = self._ctx.Array("c", 200, lock=False)
        process = self._ctx.Process(target=worker_main, args=(child, numbers, stage, self.setup), daemon=True,
                                    name="forensix-worker")
        process.start()
        child.close()
        return _Worker(process, parent, numbers, stage)

    def _hand_out(self, item: _Item) -> None:
        for w in self._workers:
            while w.ready and len(w.units) < 2:
                unit = self._take(item)
                if unit is None:
                    return
                w.units.append(_Unit(unit))
                w.conn.send(unit)

    def _take(self, item: _Item) -> WorkUnit | None:
        rows = self.store.take(item.scan_id, UNIT_FILES, UNIT_BYTES, UNIT_CHARS)
        if not rows:
            return None
        unit = WorkUnit(self._next_unit, item.ref, self._volume(item, rows[0]),
                        tuple(ref_from_json(r["ref"]) for r in rows), tuple(r["seq"] for r in rows))
        self._next_unit += 1
        return unit

    def _volume(self, item: _Item, row: sqlite3.Row) -> VolumeRef:
        """The volume of a queued file, as the walker described it (kept in the case for a resumed scan)."""
        key = (row["volume_offset"], row["volume_key"])
        if key not in self._volumes:
            text = self.store.volume_ref(item.scan_id, *key)
            self._volumes[key] = (VolumeRef.from_json(text) if text is not None
                                  else VolumeRef(row["volume_offset"], row["fs_type"]))
        return self._volumes[key]

    def _on_ready(self, item: _Item, ready: Any) -> None:
        if ready is item.walker_conn:
            try:
                message = ready.recv()
            except (EOFError, OSError):
                self._close_walker(item, _death(item.walker))
                return
            item.walker_heard = time.monotonic()
            self._on_walk(item, message)
            if message[0] == "walked":
                self._close_walker(item, None)
            return
        if ready is item.media_conn:
            try:
                message = ready.recv()
            except (EOFError, OSError):
                message = ("media hash failed", f"the media-hash process stopped ({_death(item.media)})")
            self._on_media(item, message)
            if message[0] != "media progress":
                item.media_conn.close()
                item.media_conn = None
                _stop(item.media)
            return
        for w in list(self._workers):
            if ready is w.conn:
                self._receive(w)
            elif ready is w.process.sentinel:
                self._receive(w)  # what it sent before it died still counts
                self._replace(w)

    def _receive(self, w: _Worker) -> None:
        try:
            while w.conn.poll():
                message = w.conn.recv()
                if message[0] == "ready":
                    w.ready = True
                    continue
                state = next((u for u in w.units if u.unit.unit_id == message[1]), None)
                if state is None:
                    continue  # a unit already given up on: never let a stray result in
                self._on_worker_message(w, state, message)
        except (EOFError, OSError):
            pass

    def _on_worker_message(self, w: _Worker | None, state: _Unit, message: tuple) -> None:
        item = self._item
        if message[0] == "results":
            _, _, batch, plugin_errors = message
            self.stats.plugin_errors += plugin_errors
            files = nbytes = 0
            for index, rows in batch:
                if index not in state.done:
                    nbytes += self._store(item, state, index, rows)
                    files += 1
            self.progress.advance(files, nbytes)
            if w is not None:
                w.started_files = True
                self._start_failures = 0
        elif message[0] == "unit done":
            item.holes.update(message[2])
            if w is not None and w.units and w.units[0] is state:
                w.units.popleft()

    def _store(self, item: _Item, state: _Unit, index: int, rows: list[StoredRecord]) -> int:
        """Record one file of a unit (and what was found inside it); returns its size."""
        self.store.add_rows(item.ref.evidence_id, item.scan_id, rows)
        state.done.add(index)
        for row in rows:
            self.stats.count(row)
            if row.alerts:
                self.progress.alert(item.ref.label, row.path, row.alerts)
        return state.unit.files[index].size

    def _watch(self, item: _Item) -> None:
        """Kill a worker stuck on one file, and a walk that lists nothing for as long."""
        now = time.monotonic()
        limit = self.setup.file_timeout
        for w in self._workers:
            if w.busy and w.numbers[3] and now - w.numbers[2] > limit and w.killed_for is None:
                w.killed_for = f"no progress for {limit:g} s"
                _kill(w.process)
        if item.walker_conn is not None and now - item.walker_heard > limit:
            _kill(item.walker)
            self._close_walker(item, f"no progress for {limit:g} s")

    def _replace(self, w: _Worker) -> None:
        """A worker died: its file in flight costs a warning, its other files go back to the queue."""
        item = self._item
        w.process.join(1)
        why = w.killed_for or _death(w.process)
        stage = w.stage.value.decode("utf-8", "replace") or "starting"
        if w.units:
            self.stats.worker_failures += 1
            first = w.units[0]
            if w.numbers[3] and int(w.numbers[0]) == first.unit.unit_id:
                index = int(w.numbers[1])
            else:
                index = next(i for i in range(len(first.unit.files)) if i not in first.done)
            if index not in first.done:
                self._lost(item, first, index, f"the worker reading this file stopped ({why}, during '{stage}')")
            for state in w.units:
                self.store.release(seq for i, seq in enumerate(state.unit.seqs) if i not in state.done)
        elif not w.started_files:
            self._start_failures += 1
            if self._start_failures >= START_FAILURES:
                raise EngineError(f"worker processes cannot start ({why}); run with --workers 0 to scan "
                                  "in this process, and FORENSIX_DEBUG=1 for details")
        w.conn.close()
        self._workers[self._workers.index(w)] = self._spawn()

    def _lost(self, item: _Item, state: _Unit, index: int, why: str) -> None:
        """A file that stopped a worker: recorded with no digest and why, never left out."""
        ref = state.unit.files[index]
        text = (f"{why}: the file was not analysed, and nothing found inside it (archive members) was "
                "recorded; no digest")
        self.progress.advance(1, self._store(item, state, index, [
            stored_record(unread_record(state.unit, ref, text), state.unit.volume)]))
        self.progress.warning(f"{item.ref.label}: {ref.path}: {text}")

    # -- units carried out by an executor (forensix.engine.executor) -----------
    def _scan_with_executor(self, item: _Item, executor: Executor) -> None:
        """As :meth:`_scan_with_workers`, with the executor in place of the local worker processes."""
        while True:
            while executor.room() > 0 and (unit := self._take(item)) is not None:
                executor.submit(_Unit(unit))
            if self._finished(item) and not executor.busy():
                break
            waitables = [executor.waitable, *(c for c in (item.walker_conn, item.media_conn) if c is not None)]
            for ready in wait(waitables, timeout=TICK):
                if ready is not executor.waitable:
                    self._on_ready(item, ready)
            for event in executor.events():
                self._on_executor_event(item, event)
            self._watch(item)
            self._maybe_commit()

    def _on_executor_event(self, item: _Item, event: tuple) -> None:
        kind = event[0]
        if kind in ("results", "unit done"):
            state = event[1]
            self._on_worker_message(None, state, (kind, state.unit.unit_id, *event[2:]))
        elif kind == "file lost":
            _, state, index, why = event
            if index not in state.done:
                self.stats.worker_failures += 1
                self._lost(item, state, index, why)
        elif kind == "note":
            self.progress.warning(event[1])

    # -- bookkeeping ------------------------------------------------------------
    def _report_totals(self, item: _Item, done_files: int | None = None, done_bytes: int | None = None) -> None:
        recorded = self.store.recorded(item.scan_id) if done_files is None else (done_files, done_bytes)
        queued = self.store.queued(item.scan_id)
        item.totals_told = time.monotonic()
        self.progress.totals(item.ref.label, recorded[0] + queued[0], recorded[1] + queued[1])

    def _warn(self, location: str, message: str) -> None:
        item = self._item
        self.stats.warnings += 1
        self.store.add_warning(item.ref.evidence_id if item else None, location, message,
                               item.scan_id if item else None)
        self.progress.warning(f"{location}: {message}")

    def _maybe_commit(self) -> None:
        if time.monotonic() - self._last_commit >= COMMIT_EVERY:
            self._flush()

    def _flush(self) -> None:
        self.store.commit()
        self._last_commit = time.monotonic()

    def close(self) -> None:
        """Stop every child process: at once, then for good (Ctrl-C must stop them within 2 s)."""
        item = self._item
        processes = [w.process for w in self._workers]
        if item is not None:
            processes += [p for p in (item.walker, item.media) if p is not None]
        for w in self._workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 0.5
        for p in processes:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in processes:
            if p.is_alive():
                p.terminate()
        deadline = time.monotonic() + 1.0
        for p in processes:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                _kill(p)
                p.join(0.2)
        self._workers = []
        if self.executor is not None:
            self.executor.close()
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        try:
            self.store.commit()
        except sqlite3.Error:
            pass


def engine_context() -> Any:
    """Workers forked from a clean server process with the engine already imported: they never
    inherit the main process's threads. The plugins (picture libraries, libmagic's databases) are
    loaded by each worker, not by the server: what the server holds, every process it forks
    (the walker and the media hash too) carries in its memory."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["forensix.engine.worker", "forensix.engine.walking"])
    return ctx


def _death(process: Any) -> str:
    if process is None:
        return "stopped"
    process.join(1)
    code = process.exitcode
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _kill(process: Any) -> None:
    if process is not None and process.pid and process.is_alive():
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _stop(process: Any) -> None:
    if process is not None:
        process.join(0.5)
        if process.is_alive():
            _kill(process)
            process.join(0.5)
