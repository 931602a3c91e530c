"""One console object owns all user-facing output (rich, on stderr).

stdout is kept for data (``export`` without ``-o``), so progress and messages
never corrupt a pipe.
"""
from __future__ import annotations

import os
import re

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

EXIT_OK = 0
EXIT_FAILED = 1
"""A check the user asked for failed (``verify`` found an alteration)."""
EXIT_USER_ERROR = 2
"""Bad arguments, missing or unreadable evidence, unknown hash set."""
EXIT_SYSTEM = 74
"""The machine failed the command: the disk holding the case is full, read-only or gone."""
EXIT_INTERNAL = 70
"""A defect in forensix itself; rerun with FORENSIX_DEBUG=1 for the traceback."""
EXIT_INTERRUPTED = 130
"""Stopped by the user (Ctrl-C), as shells report a SIGINT."""


def machine_failure(exc: BaseException) -> str | None:
    """A one-line account of a failure of the machine itself (not of forensix, not of the
    evidence), or None when ``exc`` is not one."""
    import errno
    import sqlite3

    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "disk is full" in text:
        return ("the disk holding the case folder is full: free some space, then run the same command "
                "again (a scan resumes where it stopped)")
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly database" in text or "read-only" in text:
        return "the case folder cannot be written to (read-only disk or no permission)"
    if code in (errno.EIO, errno.ENODEV, errno.ENXIO) or "disk i/o error" in text or (
            isinstance(exc, sqlite3.OperationalError) and "unable to open database" in text):
        return "the case folder went away or cannot be read (the disk was removed, or failed)"
    return None

class CommandGroup(click.Group):
    """A command group whose command list shows each command's whole first
    sentence, wrapped, where click would cut it at the terminal's width ("...")."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, cmd.get_short_help_str(limit=10_000)) for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class UserError(click.ClickException):
    """An error the user can fix; shown as one line, exit status 2."""

    exit_code = EXIT_USER_ERROR


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Control characters (but line breaks and tabs) as visible escapes.

    Messages carry file names from a suspect's disk; an escape sequence or a
    right-to-left override in a name must not rewrite the officer's terminal or
    disguise what is printed.
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


class Messages:
    def __init__(self) -> None:
        # soft_wrap: a message is one line however narrow the terminal, so logs stay greppable
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def info(self, text: str) -> None:
        self.err.print(printable(text), markup=False)

    def warning(self, text: str) -> None:
        self.err.print("[yellow]warning:[/yellow] ", end="")
        self.err.print(printable(text), markup=False)

    def error(self, text: str) -> None:
        self.err.print("[red]error:[/red] ", end="")
        self.err.print(printable(text), markup=False)

    def table(self, title: str, rows: list[tuple[str, str]]) -> None:
        """Key/value rows. A value's longest word (a SHA-256, a path) is never cut or
        folded: on a narrow terminal the table grows wider and the terminal wraps it,
        so the value copied from it is whole."""
        rows = [(printable(k), printable(v)) for k, v in rows]
        key_width = max((len(k) for k, _ in rows), default=0)
        word = max((len(w) for _, v in rows for w in v.split()), default=0)
        table = Table(title=Text(printable(title)), show_header=False)
        table.add_column(style="bold", no_wrap=True, min_width=key_width)
        table.add_column(min_width=word, overflow="fold")
        for key, value in rows:
            table.add_row(Text(key), Text(value))
        self.err.print(table, width=max(self.err.width, key_width + word + 7))


console = Messages()


def debug_enabled() -> bool:
    return os.environ.get("FORENSIX_DEBUG", "") not in ("", "0")
