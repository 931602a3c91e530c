"""File writes on one background thread, in order.

An import writes about as many bytes as it reads, and a ``write`` is a system
call that releases the GIL: done by a second thread it overlaps the parsing
and sorting instead of adding to them (a third of an import's time when done
inline, on a two-core machine). Queued data must not be changed afterwards;
the writer hands over fresh arrays and bytes only.
"""
from __future__ import annotations

import queue
import threading
from typing import IO, Any

DEPTH = 16
"""Writes queued at most: a few batches' worth, so memory stays bounded."""


class WriteQueue:
    """``write(f, data)`` returns at once; ``flush`` waits and raises the first failure."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[IO[bytes], Any] | None] = queue.Queue(DEPTH)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="hashset-index-writer", daemon=True)
        self._thread.start()

    def write(self, f: IO[bytes], data: Any) -> None:
        self._raise()
        self._queue.put((f, data))

    def flush(self) -> None:
        self._queue.join()
        self._raise()

    def stop(self) -> None:
        """End the thread after the queued writes (idempotent); failures are the caller's to flush."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    item[0].write(item[1])
            except BaseException as exc:  # handed to the importing thread by flush/write
                self._error = exc
            finally:
                self._queue.task_done()
