"""The worker's side of a distributed scan (``forensix worker``): a Celery worker
whose processes carry out units exactly as a local worker process does.

Each worker process builds its :class:`~forensix.engine.worker.UnitRunner`
from the :class:`~forensix.engine.setup.ScanSetup` sent with the task (kept for
the next unit of the same scan), reads the evidence itself at the same path as
the examiner's machine or through ``--path-map``, and pushes its records back as
JSON (:mod:`forensix.lab.protocol`). Before it reads a byte it checks it can do
the unit as the examiner's machine would (the evidence opens and has the same
size, every hash set is here, the same plugins run), and refuses it otherwise:
a worker set up wrong never writes "unreadable" into a case.
"""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from forensix import __version__
from forensix.engine.units import WorkUnit
from forensix.engine.worker import UnitRunner
from forensix.lab.protocol import BEAT, GO_WAIT, REPLY_TTL, Keys, redis_client
from forensix.lab.wire import decode, encode, record_to_data, setup_from_data, unit_from_data

log = logging.getLogger(__name__)

REFUSAL_PAUSE = 1.0
"""A worker that refused a unit waits this long before it takes another, so the unit
sent again goes to a worker that can do it rather than back to this one."""
SAY_PATIENCE = 120.0
"""How long a worker keeps trying to hand a message to a broker that went away."""


class Refusal(Exception):
    """This worker cannot carry out the unit as the examiner's machine would; says why in plain words."""


class _Abandoned(Exception):
    """The scan is over, or gave this attempt's unit to another: stop, nothing more to send."""


PathMap = tuple[tuple[str, str], ...]


def parse_path_map(items: tuple[str, ...]) -> PathMap:
    """``LOCAL=REMOTE`` pairs, longest LOCAL first; raises ValueError on a malformed one."""
    pairs = []
    for item in items:
        local, sep, remote = item.partition("=")
        if not sep or not local.startswith("/") or not remote.startswith("/"):
            raise ValueError(f"--path-map {item!r}: expected LOCAL=REMOTE, two absolute paths")
        pairs.append((local.rstrip("/") or "/", remote.rstrip("/") or "/"))
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


def map_path(path_map: PathMap, path: str) -> str:
    """Where this machine sees ``path`` of the examiner's machine."""
    for local, remote in path_map:
        if path == local or path.startswith(local.rstrip("/") + "/"):
            return remote + path[len(local):] if local != "/" else remote.rstrip("/") + path
    return path


def resolve_hashset(fact: dict[str, Any], mapped: Callable[[str], str]) -> str:
    """The folder of the hash-set index the scan uses, as this machine reaches it: at its
    path (shared storage or ``--path-map``), else in this machine's own library, imported
    from the same file (same SHA-256, name, kind and scheme, so every match reads the same)."""
    from forensix.hashsets import layout
    from forensix.hashsets.library import BY_SHA256, library_dir

    library = library_dir()
    candidates = [Path(mapped(fact["path"])), library / BY_SHA256 / fact["source_sha256"]]
    if library.is_dir():
        candidates += sorted(p for p in library.iterdir() if not p.name.startswith((".", "_")))
    for folder in candidates:
        try:
            manifest = json.loads((folder / layout.MANIFEST).read_text())
        except (OSError, ValueError):
            continue
        if all(manifest.get(k) == fact[k] for k in ("source_sha256", "name", "kind", "scheme")):
            return str(folder)
    raise Refusal(f"hash set {fact['name']} (SHA-256 {fact['source_sha256'][:16]}…) is not reachable here: "
                  "put the hash-set library on shared storage (FORENSIX_HOME), map its folder with --path-map, "
                  "or import the same file on this machine (forensix hashset import FILE)")


@dataclass(slots=True)
class WorkerSide:
    """What ``forensix worker`` was started with; each pool process makes its own
    :class:`_Process` from it after the fork (image handles and sockets are never shared)."""

    broker_url: str
    path_map: PathMap = ()
    scratch: str = ""
    """This worker's folder for archive spools (a case folder's ``tmp/`` on a local scan)."""
    _process: Any = field(default=None, repr=False)

    def celery_task(self) -> Callable[..., None]:
        def run_unit(task: Any, payload: dict[str, Any]) -> None:
            self._here().run(payload, worker_name(task.request.hostname, os.getpid()))
        return run_unit

    def request_class(self) -> type:
        """Celery's request, which learns in the worker's main process that the process carrying
        out a unit died (a segfault in a library, the kernel's OOM killer, kill -9): it tells the
        coordinator at once, with the signal, before Celery puts the unit back in the queue."""
        from billiard.exceptions import WorkerLostError
        from celery.worker.request import Request

        side = self

        class UnitRequest(Request):
            def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False) -> Any:
                exc = getattr(exc_info, "exception", None)
                exc = getattr(exc, "exc", exc)
                if isinstance(exc, WorkerLostError) and self.args:
                    side.lost(self.args[0], worker_name(self.hostname, self.worker_pid), str(exc))
                return super().on_failure(exc_info, send_failed_event, return_ok)

        return UnitRequest

    def lost(self, payload: Any, worker: str, text: str) -> None:
        try:
            found = re.search(r"signal (\d+) \((\w+)\)", text) or re.search(r"exitcode (-?\d+)", text)
            why = (f"killed by signal {found.group(2)}" if found and found.lastindex == 2
                   else f"exit status {found.group(1)}" if found else text)
            self._here().say(Keys(payload["run"]), ["lost", payload["unit"]["unit_id"], payload["check"], worker, why],
                             patient=False)
        except Exception:  # the coordinator notices the silence instead
            pass

    def _here(self) -> "_Process":
        if self._process is None or self._process.pid != os.getpid():
            self._process = _Process(self)
        return self._process

    def map(self, path: str) -> str:
        return map_path(self.path_map, path)


class _Process:
    """One worker process: its runner (kept between units of one scan), its Redis client, its heartbeat."""

    def __init__(self, side: WorkerSide) -> None:
        self.side = side
        self.pid = os.getpid()
        self.redis = redis_client(side.broker_url)
        self.beat = _Beat(self)
        self.runner: UnitRunner | None = None
        self.key: str | None = None

    def run(self, payload: dict[str, Any], worker: str) -> None:
        keys = Keys(payload["run"])
        if not self.redis.exists(keys.alive):
            return  # the scan that sent it is over (a copy left in the queue)
        unit = unit_from_data(payload["unit"], self.side.map)
        check = payload["check"]
        try:
            runner = self._runner(payload)
            self._open(runner, unit, payload.get("evidence_size"))
        except Refusal as exc:
            log.warning("unit %s of %s refused: %s", unit.unit_id, unit.evidence.label, exc)
            self.say(keys, ["refused", unit.unit_id, check, worker, str(exc)])
            time.sleep(REFUSAL_PAUSE)
            return
        attempt = uuid.uuid4().hex
        self.say(keys, ["start", unit.unit_id, check, attempt, worker])
        got = self.redis.blpop([keys.go(attempt)], timeout=GO_WAIT)
        answer = decode(got[1]) if got else ["drop"]
        if answer[0] != "go":
            return
        done, careful = set(answer[1]), bool(answer[2])
        todo = [i for i in range(len(unit.files)) if i not in done]
        # careful (a worker died on this unit, no one knows on which file): one file at a time, each
        # announced before it is read and its records sent after, so another death names its file
        parts = [[i] for i in todo] if careful else [todo] if todo else []
        holes: dict[int, tuple[int, str]] = {}
        self.beat.begin(keys, unit.unit_id, attempt, worker, careful)
        try:
            for part in parts:
                self.beat.indices = part
                sub = WorkUnit(unit.unit_id, unit.evidence, unit.volume, tuple(unit.files[i] for i in part),
                               tuple(unit.seqs[i] for i in part))
                runner.run(sub, lambda message: self._send(keys, unit, attempt, part, message, holes))
        except _Abandoned:
            return
        finally:
            self.beat.end()
        self.say(keys, ["done", unit.unit_id, attempt, [[o, n, why] for o, (n, why) in holes.items()]])

    def _send(self, keys: Keys, unit: WorkUnit, attempt: str, part: list[int], message: tuple,
              holes: dict[int, tuple[int, str]]) -> None:
        if message[0] == "results":
            _, _, batch, plugin_errors = message
            entries = [[part[i], unit.seqs[part[i]], [record_to_data(row) for row in rows]] for i, rows in batch]
            self.say(keys, ["results", unit.unit_id, attempt, unit.evidence.evidence_id,
                            [unit.volume.offset, unit.volume.key], entries, plugin_errors], attempt=attempt)
        elif message[0] == "unit done":
            holes.update(message[2])

    def say(self, keys: Keys, message: list[Any], patient: bool = True, attempt: str | None = None) -> None:
        """Push a message to the coordinator; while the broker is away, keep trying for a while.
        With ``attempt``, learn in the same round trip whether to go on: raises :class:`_Abandoned`
        when the scan is over or the coordinator dropped the attempt."""
        import redis

        data = encode(message)
        deadline = time.monotonic() + SAY_PATIENCE
        while True:
            try:
                pipe = self.redis.pipeline(transaction=False)
                pipe.rpush(keys.reply, data)
                pipe.expire(keys.reply, REPLY_TTL)
                if attempt is not None:
                    pipe.exists(keys.alive)
                    pipe.lpop(keys.go(attempt))
                answers = pipe.execute()
                if attempt is not None and (not answers[2] or answers[3] is not None):
                    raise _Abandoned()
                return
            except redis.RedisError:
                if not patient or time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def _runner(self, payload: dict[str, Any]) -> UnitRunner:
        key = json.dumps([payload["setup"], payload["hashsets"], payload["plugins"]], sort_keys=True)
        if key == self.key and self.runner is not None:
            return self.runner
        if self.runner is not None:
            self.runner.close()
            self.runner = self.key = None
        if payload.get("version") != __version__:
            raise Refusal(f"this worker runs forensix {__version__}, the scan forensix {payload.get('version')}")
        hashsets = tuple(resolve_hashset(fact, self.side.map) for fact in payload["hashsets"])
        setup = setup_from_data(payload["setup"], self.side.scratch, hashsets, self.side.map)
        for folder in setup.plugins.plugins_dirs:
            if not os.path.isdir(folder):
                raise Refusal(f"the plugin folder {folder} is not reachable here (--path-map maps it)")
        try:
            runner = UnitRunner(setup, self.beat)
        except Exception as exc:
            raise Refusal(f"the scan's plugins cannot be set up here: {exc}") from None
        have = {info.name: info.version for info in runner.host.info()}
        if have != payload["plugins"]:
            runner.close()
            raise Refusal(_plugins_differ(have, payload["plugins"]))
        self.beat.file_timeout = setup.file_timeout
        self.runner, self.key = runner, key
        return runner

    @staticmethod
    def _open(runner: UnitRunner, unit: WorkUnit, expected_size: int | None) -> None:
        path = unit.evidence.path
        try:
            source = runner.open(unit.evidence, unit.volume)
        except Exception as exc:
            runner.close()
            words = str(exc) if path in str(exc) else f"{path}: {exc}"
            raise Refusal(f"cannot open the evidence: {words}") from None
        if expected_size is not None and source.size != expected_size:
            runner.close()
            raise Refusal(f"the evidence at {path} is {source.size:,} bytes, the scan's is {expected_size:,}: "
                          "not the same evidence")


def worker_name(hostname: str, pid: Any) -> str:
    return f"{hostname} (pid {pid})"


def _plugins_differ(have: dict[str, str], want: dict[str, str]) -> str:
    words = []
    for name in sorted(set(have) | set(want)):
        if name not in have:
            words.append(f"{name} {want[name]} is not loaded here")
        elif name not in want:
            words.append(f"{name} {have[name]} runs here, not in the scan")
        elif have[name] != want[name]:
            words.append(f"{name} is {have[name]} here, {want[name]} in the scan")
    return "this worker's plugins differ from the scan's: " + "; ".join(words)


@dataclass(slots=True)
class _Attempt:
    keys: Keys
    unit_id: int
    attempt: str
    worker: str
    careful: bool


class _Beat:
    """The runner's heartbeat (:class:`forensix.engine.worker.Heartbeat`'s interface), sent over the
    network by a thread every :data:`BEAT` seconds rather than written to shared memory; a file that
    makes no progress for the scan's file timeout ends this process, as the coordinator would end a
    local worker, after saying which file it was."""

    def __init__(self, process: _Process) -> None:
        self.process = process
        self.active: _Attempt | None = None
        self.indices: list[int] = []
        self.index: int | None = None
        self.stage_text = ""
        self.progress_at = 0.0
        self.busy = False
        self.file_timeout = 300.0
        self._thread: threading.Thread | None = None

    def begin(self, keys: Keys, unit_id: int, attempt: str, worker: str, careful: bool) -> None:
        self.index, self.stage_text, self.busy = None, "starting", False
        self.active = _Attempt(keys, unit_id, attempt, worker, careful)
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, daemon=True, name="forensix-heartbeat")
            self._thread.start()

    def end(self) -> None:
        self.active = None
        self.busy = False

    # the interface UnitRunner calls, once per file and once per chunk read: cheap
    def start_file(self, unit_id: int, index: int) -> None:
        self.index = self.indices[index]
        self.stage_text, self.progress_at, self.busy = "opening", time.monotonic(), True
        active = self.active
        if active is not None and active.careful:
            self.process.say(active.keys, self._message(active))

    def stage(self, text: str) -> None:
        self.progress_at = time.monotonic()
        self.stage_text = text

    def idle(self) -> None:
        self.busy = False

    def _message(self, active: _Attempt) -> list[Any]:
        return ["beat", active.unit_id, active.attempt, active.worker, self.index, self.stage_text]

    def _loop(self) -> None:
        while True:
            time.sleep(BEAT)
            active = self.active
            if active is None:
                continue
            hung = self.busy and time.monotonic() - self.progress_at > self.file_timeout
            message = (["hung", active.unit_id, active.attempt, self.index, self.stage_text, self.file_timeout]
                       if hung else self._message(active))
            try:
                self.process.say(active.keys, message, patient=False)
            except Exception:  # the broker is away: the next beat tries again
                pass
            if hung:
                os.kill(os.getpid(), signal.SIGKILL)
