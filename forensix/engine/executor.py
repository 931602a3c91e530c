"""Where the coordinator's units are carried out, when not in its own worker processes.

The coordinator's default is its local worker processes (pipes, shared-memory
heartbeats, a killed worker replaced), written into it and unchanged. Any other
place, such as Celery workers on other machines (:mod:`forensix.lab.executor`),
is an :class:`Executor`: the coordinator still walks, queues, takes units from
the case's work queue, stores every record and handles the walker, the media
hash and progress exactly as in a local scan; the executor only carries units
out and tells it, through :meth:`Executor.events`, what came back, already
checked against the unit it answers:

* ``("results", state, [(index, [StoredRecord])], plugin_errors)`` and
  ``("unit done", state, holes)``: what a local worker sends, for the unit ``state``;
* ``("file lost", state, index, text)``: a file that stopped a worker; it is
  recorded with no digest and ``text`` as its warning, as a local crash is;
* ``("note", text)``: something the examiner should read now (a worker that
  cannot read the evidence, a broker that went away).

``state`` is the coordinator's own unit state: ``.unit`` (the
:class:`~forensix.engine.units.WorkUnit`) and ``.done`` (the indices whose
records are stored). Events are handled one at a time as the iterator yields
them, so ``.done`` is always current when the executor checks a result.
"""
from __future__ import annotations

from typing import Any, Iterator, Protocol


class Executor(Protocol):
    waitable: Any
    """Something :func:`multiprocessing.connection.wait` can wait on: readable when events are due."""

    def room(self) -> int:
        """How many more units to :meth:`submit` now."""

    def submit(self, state: Any) -> None: ...

    def busy(self) -> bool:
        """Some submitted unit has not ended yet."""

    def events(self) -> Iterator[tuple]: ...

    def close(self) -> None: ...


class ExecutorError(Exception):
    """The executor cannot go on (no worker can carry out a unit): the case keeps what was done,
    and the same command resumes the scan once the cause is fixed. Its text is for the examiner."""
