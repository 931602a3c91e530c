"""What an officer sees while a scan runs: one bar per evidence item with files,
bytes, rate and time left, a live count of alerts, and each alert as a line the
moment it is found (exhibit, path, hash set, category; never content)."""
from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.progress import (BarColumn, DownloadColumn, Progress, SpinnerColumn, TaskID, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn)

from forensix.cli.console import Messages, printable
from forensix.engine.coordinator import Progress as EngineProgress

SHOWN_WARNINGS = 20
SHOWN_ALERTS = 200


class ScanDisplay(EngineProgress):
    def __init__(self, console: Messages, disable: bool) -> None:
        self.console = console
        self.bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                             TextColumn("{task.fields[detail]}"), TransferSpeedColumn(), TimeElapsedColumn(),
                             TimeRemainingColumn(), console=console.err, disable=disable, transient=True)
        self.task: TaskID | None = None
        self.media_task: TaskID | None = None
        self.label = ""
        self.files_done = self.files_total = 0
        self.alerts = 0
        self.warnings = 0

    def __enter__(self) -> "ScanDisplay":
        self.bars.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bars.__exit__(*exc)

    def listing(self, label: str) -> None:
        self.label = label
        self.files_done = self.files_total = 0
        if self.task is not None:
            self.bars.remove_task(self.task)
        if self.media_task is not None:
            self.bars.remove_task(self.media_task)
            self.media_task = None
        self.task = self.bars.add_task(_safe(f"{label}: files"), total=None, detail="listing files")

    def totals(self, label: str, files: int, nbytes: int) -> None:
        self.files_total = files
        self.bars.update(self.task, total=nbytes or None, detail=self._detail())

    def advance(self, files: int, nbytes: int) -> None:
        self.files_done += files
        self.bars.update(self.task, advance=nbytes, detail=self._detail())

    def _detail(self) -> str:
        alerts = f", [bold red]{self.alerts:,} alerts[/]" if self.alerts else ""
        return f"{self.files_done:,}/{self.files_total:,} files{alerts}"

    def alert(self, label: str, path: str, matches: tuple[dict[str, Any], ...]) -> None:
        self.alerts += 1
        if self.alerts <= SHOWN_ALERTS:
            sets = "; ".join(_match_words(m) for m in matches)
            self.console.warning(f"ALERT {label}: {path} — {sets}")
        elif self.alerts == SHOWN_ALERTS + 1:
            self.console.warning("more alerts follow; all are recorded in the case and the report")

    def warning(self, text: str) -> None:
        """Show the first warnings as they come; all of them are in the case."""
        self.warnings += 1
        if self.warnings <= SHOWN_WARNINGS:
            self.console.warning(text)
        elif self.warnings == SHOWN_WARNINGS + 1:
            self.console.warning("more warnings follow; all are recorded in the case and the report")

    def media(self, label: str, done: int, total: int) -> None:
        if self.media_task is None:
            self.media_task = self.bars.add_task(_safe(f"{label}: media hash"), total=total or None, detail="")
        self.bars.update(self.media_task, completed=done)


def _match_words(match: dict[str, Any]) -> str:
    words = [f"hash set {match.get('set')}"]
    if match.get("category") not in (None, ""):
        words.append(f"category {match['category']}")
    if match.get("media_id"):
        words.append(f"media id {match['media_id']}")
    if match.get("match") == "pdq":
        words.append(f"near match, distance {match.get('distance')}")
    return ", ".join(words)


def _safe(text: str) -> str:
    """Evidence names in a bar: control characters escaped, rich markup shown as text."""
    return escape(printable(text))
