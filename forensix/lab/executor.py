"""The examiner's side of a distributed scan: units sent as Celery tasks, results taken back.

An :class:`~forensix.engine.executor.Executor` for the coordinator: it walks,
queues, stores and reports as in a local scan; this sends each unit to the
broker and passes back only what answers a unit in flight. Every unit is
carried out under an *attempt* the coordinator grants when a worker starts it
(:mod:`forensix.lab.protocol`): a second delivery of a unit under way, a copy
left in the queue, or a message of an earlier scan is answered ``drop``, and a
result is taken only from the attempt granted, for the evidence item, volume,
file index and queue entry of the unit, once.

When a worker dies on a unit (its process killed: the broker delivers the unit
again; its machine silent for :data:`~forensix.lab.protocol.LOST` seconds: the
unit is sent again), the next attempt skips the files already recorded and goes
*carefully*, one file at a time, announced before it is read: if that attempt
dies too, the file it was on is recorded with no digest and a warning, as a
local crash costs the file it happened on. A unit whose attempts keep dying
before any file ends as such warnings on each of its files.
"""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

from forensix import __version__
from forensix.case.storedrecord import StoredRecord
from forensix.engine.executor import ExecutorError
from forensix.engine.setup import ScanSetup
from forensix.engine.units import WorkUnit
from forensix.lab.celeryapp import QUEUE, TASK, make_app
from forensix.lab.protocol import ALIVE_TTL, LOST, REPLY_TTL, Keys, redis_client
from forensix.lab.urls import describe, redact
from forensix.lab.wire import decode, encode, record_from_data, setup_to_data, unit_check, unit_to_data

log = logging.getLogger(__name__)

AHEAD = 4
"""Units waiting in the broker beyond those being carried out, at the least (twice the workers
heard from when there are more): enough that a worker never waits, few enough that the most
urgent files go first."""
GIVE_UP = 3
"""Attempts dying before any file after which a unit's files are recorded with a warning each."""
REFUSALS = 3
"""Refusals of one unit after which the scan stops: no worker can read the evidence."""


def check_results(unit: WorkUnit, done: set[int], evidence_id: Any, volume: Any,
                  entries: Any) -> tuple[list[tuple[int, list[StoredRecord]]], list[str]]:
    """The entries of a results message that answer ``unit``: ``(accepted, reasons for the rest)``.

    An entry is taken only if the message names the unit's evidence item and volume (offset and
    key), its index is one of the unit's files not yet recorded (and not twice in the message),
    its queue entry is that file's, its first record is that file (the others being what was
    found in it), and every record is of the unit's volume."""
    volume_key = [unit.volume.offset, unit.volume.key]
    if evidence_id != unit.evidence.evidence_id or volume != volume_key:
        return [], [f"results for evidence {evidence_id} volume {volume}, not the unit's"]
    accepted: list[tuple[int, list[StoredRecord]]] = []
    dropped: list[str] = []
    taken: set[int] = set()
    for entry in entries if isinstance(entries, list) else ():
        try:
            index, seq, data = entry
            if not isinstance(index, int) or not 0 <= index < len(unit.files):
                raise ValueError(f"no file {index!r} in the unit")
            if seq != unit.seqs[index]:
                raise ValueError(f"file {index} answered for queue entry {seq!r}, not {unit.seqs[index]}")
            if index in done or index in taken:
                raise ValueError(f"file {index} recorded already")
            rows = [record_from_data(d) for d in data]
            ref = unit.files[index]
            first = rows[0].columns if rows else ()
            if tuple(first[:4]) != (unit.volume.offset, unit.volume.fs_type, ref.path, ref.inode) or first[9]:
                raise ValueError(f"file {index}'s record is not of {ref.path}")
            if any(row.columns[0] != unit.volume.offset or row.columns[14] != unit.volume.key for row in rows) or \
                    not all(row.columns[9] for row in rows[1:]):
                raise ValueError(f"file {index} came with records of another volume")
        except (ValueError, TypeError, IndexError) as exc:
            dropped.append(str(exc))
            continue
        taken.add(index)
        accepted.append((index, rows))
    return accepted, dropped


@dataclass(slots=True)
class _Flight:
    """A unit sent to the broker and not yet ended."""

    state: Any
    payload: dict[str, Any]
    sent_seq: int = 0
    sent_at: float = 0.0
    unsent: bool = True
    attempt: str | None = None
    """The attempt granted, while it lives."""
    worker: str = ""
    heard_at: float = 0.0
    index: int | None = None
    stage: str = ""
    progressed: bool = False
    careful: bool = False
    fruitless: int = 0
    refusals: int = 0

    @property
    def check(self) -> list[Any]:
        """What the unit's messages must name (:func:`forensix.lab.wire.unit_check`), as sent with it."""
        return self.payload["check"]


class CeleryExecutor:
    """Units as Celery tasks on the broker at ``broker_url``; messages back through Redis."""

    def __init__(self, broker_url: str, setup: ScanSetup, plugins: dict[str, str], hashsets: list[dict[str, Any]],
                 evidence_sizes: dict[int, int]) -> None:
        self.url = broker_url
        self.where = describe(broker_url)
        self.keys = Keys(uuid.uuid4().hex)
        self.common = {"run": self.keys.run, "version": __version__, "setup": setup_to_data(setup),
                       "hashsets": hashsets, "plugins": plugins}
        self.sizes = evidence_sizes
        self.app = make_app(broker_url)
        self.redis = redis_client(broker_url)
        self.flights: dict[int, _Flight] = {}
        self.heard: dict[str, float] = {}
        self.down = False
        self.said: set[tuple[str, str]] = set()
        self._sent = 0
        self._latest_start = 0
        self._inbox: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        self.waitable, self._wake = socket.socketpair()
        self.waitable.setblocking(False)
        self._wake.setblocking(False)
        self._stop = threading.Event()
        self.redis.set(self.keys.alive, "1", ex=ALIVE_TTL)  # fails here, before any work, if unreachable
        self._thread = threading.Thread(target=self._receive, daemon=True, name="forensix-broker")
        self._thread.start()

    # -- the Executor interface ------------------------------------------------------
    def room(self) -> int:
        now = time.monotonic()
        workers = sum(1 for at in self.heard.values() if now - at < LOST)
        waiting = sum(1 for f in self.flights.values() if f.attempt is None)
        return 0 if self.down else max(AHEAD, 2 * workers) - waiting

    def submit(self, state: Any) -> None:
        unit = state.unit
        payload = {**self.common, "unit": unit_to_data(unit), "check": unit_check(unit),
                   "evidence_size": self.sizes.get(unit.evidence.evidence_id)}
        flight = self.flights[unit.unit_id] = _Flight(state, payload)
        self._send(flight)

    def busy(self) -> bool:
        return bool(self.flights)

    def events(self) -> Iterator[tuple]:
        try:
            while self.waitable.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                break
            if item[0] == "message":
                try:
                    message = decode(item[1])
                except ValueError:
                    log.debug("a message that is not forensix's was ignored")
                    continue
                yield from self._on_message(message)
            elif item[0] == "down" and not self.down:
                self.down = True
                yield ("note", f"the broker ({self.where}) cannot be reached ({item[1]}); the scan waits for it")
            elif item[0] == "up" and self.down:
                self.down = False
                now = time.monotonic()
                for flight in self.flights.values():
                    flight.heard_at = now  # nobody could be heard while it was away
                    if flight.attempt is None:
                        flight.unsent = True  # a broker that restarted empty lost what was queued
                yield ("note", f"the broker ({self.where}) is back; the scan goes on")
        yield from self._watch()
        for flight in list(self.flights.values()):
            if flight.unsent and not self.down and not self._send(flight):
                break

    def close(self) -> None:
        self._stop.set()
        self._thread.join(3)
        try:
            self.redis.delete(self.keys.alive, self.keys.reply)
        except Exception:  # the broker is away: the keys expire on their own
            pass
        for closing in (self.redis.close, self.app.close, self.waitable.close, self._wake.close):
            try:
                closing()
            except Exception:
                pass

    # -- messages from the workers ------------------------------------------------------
    def _on_message(self, message: list[Any]) -> Iterator[tuple]:
        kind, unit_id = message[0], message[1] if len(message) > 1 else None
        flight = self.flights.get(unit_id) if isinstance(unit_id, int) else None
        try:
            if kind == "start":
                yield from self._on_start(flight, *message[2:])
            elif kind == "refused":
                yield from self._on_refused(flight, *message[2:])
            elif kind == "lost":
                _, _, check, worker, why = message
                if flight is not None and check == flight.check and flight.attempt and worker == flight.worker:
                    yield from self._died(flight, why)
                    yield from self._ended_or_again(flight)
            elif flight is None or len(message) < 3 or message[2] != flight.attempt:
                return  # from an attempt not granted, or no longer: never let it in
            elif kind == "beat":
                _, _, _, worker, flight.index, flight.stage = message
                flight.heard_at = self.heard[worker] = time.monotonic()
            elif kind == "results":
                yield from self._on_results(flight, *message[3:])
            elif kind == "done":
                yield from self._on_done(flight, message[3])
            elif kind == "hung":
                _, _, _, index, stage, seconds = message
                flight.attempt = None
                flight.fruitless = 0
                if isinstance(index, int) and 0 <= index < len(flight.state.unit.files):
                    why = f"the worker {flight.worker} reading this file stopped (no progress for {seconds:g} s, " \
                          f"during '{stage}')"
                    yield ("file lost", flight.state, index, why)
                yield from self._ended_or_again(flight)
        except (TypeError, ValueError) as exc:
            log.debug("a malformed %s message was ignored: %s", kind, exc)

    def _on_start(self, flight: _Flight | None, check: Any, attempt: str, worker: str) -> Iterator[tuple]:
        now = time.monotonic()
        if flight is None or check != flight.check:
            self._answer(attempt, ["drop"])
            return
        if flight.attempt is not None:
            if now - flight.heard_at < LOST:
                self._answer(attempt, ["drop"])  # delivered twice: the first copy is at work
                return
            yield from self._died(flight, "the worker was lost")
        if self._finished(flight):
            self._answer(attempt, ["drop"])
            yield from self._ended_or_again(flight)
            return
        flight.attempt, flight.worker, flight.heard_at = attempt, worker, now
        flight.index, flight.stage, flight.progressed = None, "starting", False
        self.heard[worker] = now
        self._latest_start = max(self._latest_start, flight.sent_seq)
        self._answer(attempt, ["go", sorted(flight.state.done), flight.careful])

    def _on_refused(self, flight: _Flight | None, check: Any, worker: str, reason: str) -> Iterator[tuple]:
        if flight is None or check != flight.check:
            return
        unit = flight.state.unit
        flight.refusals += 1
        if (worker, reason) not in self.said:
            self.said.add((worker, reason))
            yield ("note", f"worker {worker} cannot carry out unit {unit.unit_id} of {unit.evidence.label} "
                           f"({len(unit.files)} files from {unit.files[0].path}): {reason}")
        if flight.refusals >= REFUSALS:
            raise ExecutorError(f"unit {unit.unit_id} of {unit.evidence.label} was refused {flight.refusals} times "
                           f"(last by worker {worker}: {reason}); make the evidence, hash sets and plugin folders "
                           "reachable on the workers (at the same path, or with forensix worker --path-map), "
                           "then run the same command again: the scan resumes where it stopped")
        if flight.attempt is None:
            flight.unsent = True

    def _on_results(self, flight: _Flight, evidence_id: Any, volume: Any, entries: Any,
                    plugin_errors: Any) -> Iterator[tuple]:
        flight.heard_at = time.monotonic()
        accepted, dropped = check_results(flight.state.unit, flight.state.done, evidence_id, volume, entries)
        for reason in dropped:
            log.debug("unit %s: a result was dropped: %s", flight.state.unit.unit_id, reason)
        if accepted:
            flight.progressed = True
            flight.fruitless = 0
            yield ("results", flight.state, accepted, plugin_errors if isinstance(plugin_errors, int) else 0)

    def _on_done(self, flight: _Flight, holes: Any) -> Iterator[tuple]:
        flight.attempt = None
        if self._finished(flight):
            del self.flights[flight.state.unit.unit_id]
            yield ("unit done", flight.state, {int(o): (int(n), str(why)) for o, n, why in holes})
            return
        # the attempt ended with files unanswered (their results were lost on the way): again, those only
        flight.fruitless += not flight.progressed
        yield from self._ended_or_again(flight)

    # -- attempts that end badly ---------------------------------------------------------
    def _died(self, flight: _Flight, why: str) -> Iterator[tuple]:
        """The granted attempt is gone without a word: blame the file it announced, if it went
        carefully; count it when it did nothing; carry on carefully either way."""
        unit = flight.state.unit
        index, careful = flight.index, flight.careful
        self._answer(flight.attempt, ["drop"])  # should it still be alive (a network cut off): stop
        flight.attempt = None
        flight.careful = True
        text = f"the worker {flight.worker} reading this file stopped ({why}, during '{flight.stage}')"
        if careful and isinstance(index, int) and 0 <= index < len(unit.files) and index not in flight.state.done:
            flight.fruitless = 0
            yield ("file lost", flight.state, index, text)
            return
        if not flight.progressed:
            flight.fruitless += 1
            if flight.fruitless >= GIVE_UP:
                text = (f"{flight.fruitless} workers stopped on this file's unit before they could read a file "
                        f"(last: {flight.worker}, {why}, during '{flight.stage}')")
                for i in range(len(unit.files)):
                    if i not in flight.state.done:
                        yield ("file lost", flight.state, i, text)

    def _ended_or_again(self, flight: _Flight) -> Iterator[tuple]:
        if self._finished(flight):
            self.flights.pop(flight.state.unit.unit_id, None)
            yield ("unit done", flight.state, {})
        elif flight.attempt is None:
            flight.unsent = True

    def _watch(self) -> Iterator[tuple]:
        if self.down:
            return
        now = time.monotonic()
        for flight in list(self.flights.values()):
            if flight.attempt is not None and now - flight.heard_at > LOST:
                yield from self._died(flight, f"not heard from for {LOST:g} s: its machine stopped, or the network")
                yield from self._ended_or_again(flight)
            elif (flight.attempt is None and not flight.unsent and flight.sent_seq < self._latest_start
                  and now - flight.sent_at > LOST):
                flight.unsent = True  # units sent after it have started long ago: its task was lost

    @staticmethod
    def _finished(flight: _Flight) -> bool:
        return len(flight.state.done) >= len(flight.state.unit.files)

    # -- the broker -------------------------------------------------------------------
    def _send(self, flight: _Flight) -> bool:
        try:
            # argsrepr: Celery would otherwise print every file of the unit into the message's headers
            self.app.send_task(TASK, args=[flight.payload], queue=QUEUE, retry=False,
                               argsrepr=f"unit {flight.state.unit.unit_id}", kwargsrepr="")
        except Exception as exc:  # the broker is away: sent again when it is back
            log.debug("unit %s not sent: %s", flight.state.unit.unit_id, redact(str(exc), self.url))
            flight.unsent = True
            return False
        self._sent += 1
        flight.unsent, flight.sent_seq, flight.sent_at = False, self._sent, time.monotonic()
        return True

    def _answer(self, attempt: str, answer: list[Any]) -> None:
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.rpush(self.keys.go(attempt), encode(answer))
            pipe.expire(self.keys.go(attempt), 60)
            pipe.execute()
        except Exception as exc:  # the worker waits, then lets it go; the unit is sent again
            log.debug("answer to attempt %s not given: %s", attempt, redact(str(exc), self.url))

    def _receive(self) -> None:
        """The broker's messages, popped in a thread of their own and handed to :meth:`events`."""
        import redis

        client = redis_client(self.url)
        alive_at = 0.0
        failing = False
        while not self._stop.is_set():
            try:
                if time.monotonic() - alive_at > ALIVE_TTL / 3:
                    pipe = client.pipeline(transaction=False)
                    pipe.set(self.keys.alive, "1", ex=ALIVE_TTL)
                    pipe.expire(self.keys.reply, REPLY_TTL)
                    pipe.execute()
                    alive_at = time.monotonic()
                got = client.blpop([self.keys.reply], timeout=1)
                if failing:
                    failing = False
                    self._post(("up",))
                if got is not None:
                    self._post(("message", got[1]))
                    for data in client.lpop(self.keys.reply, 1000) or ():
                        self._post(("message", data))
            except redis.RedisError as exc:
                if not failing:
                    failing = True
                    self._post(("down", redact(str(exc), self.url)))
                alive_at = 0.0
                self._stop.wait(1)
        client.close()

    def _post(self, item: tuple) -> None:
        self._inbox.put(item)
        try:
            self._wake.send(b"!")
        except (BlockingIOError, OSError):
            pass  # a wake-up is pending already
