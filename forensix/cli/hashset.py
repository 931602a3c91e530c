"""``forensix hashset``: import hash sets into the library, list them, show one.

Importing once up front (rather than on every scan) is what makes a 40-million
entry NSRL usable: the index opens instantly afterwards.
"""
from __future__ import annotations

import os
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from forensix.cli.console import CommandGroup, UserError, console
from forensix.hashsets import KINDS, SCHEMES, HashSet, HashSetError, import_hashset, list_hashsets, open_library_set
from forensix.wording import plural

PROGRESS_FROM = 8 << 20
"""Files smaller than this import too fast for a progress bar to help."""


@click.group("hashset", cls=CommandGroup)
def command() -> None:
    """Import, list and inspect known-file hash sets (VICS, NSRL, hashdeep, md5sum, PDQ lists)."""


@command.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Name to use with --hashset (default: the file's name).")
@click.option("--kind", type=click.Choice(KINDS),
              help="known-bad, known-good or alert (default: VICS and lists known-bad, NSRL known-good).")
@click.option("--scheme", type=click.Choice(sorted(SCHEMES)), default="vic-us", show_default=True,
              help="How VICS categories map to alerts.")
def import_cmd(file: Path, name: str | None, kind: str | None, scheme: str) -> None:
    """Import FILE into the hash-set library (replacing a set of the same name)."""
    try:
        if os.path.getsize(file) < PROGRESS_FROM:
            hs = import_hashset(file, name=name, kind=kind, scheme=scheme)
        else:
            with Progress(TextColumn("importing {task.description}"), BarColumn(), DownloadColumn(),
                          TimeRemainingColumn(), console=console.err, transient=True) as bar:
                task = bar.add_task(file.name, total=None)
                hs = import_hashset(file, name=name, kind=kind, scheme=scheme,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total or None))
    except HashSetError as exc:
        raise UserError(str(exc)) from None
    for warning in hs.warnings:
        console.warning(warning)
    _show(hs)
    console.info(f"imported {plural(hs.entries, 'entry', 'entries')} as {hs.name!r}"
                 + (f", {hs.rejected:,} rejected" if hs.rejected else ""))


@command.command("list")
def list_cmd() -> None:
    """List the imported hash sets."""
    sets = list_hashsets()
    if not sets:
        console.info("no hash sets imported (use 'forensix hashset import FILE')")
    for hs in sets:
        console.info(f"{hs.name}  {hs.kind}  {hs.fmt}  {plural(hs.entries, 'entry', 'entries')}  imported {hs.imported_at}")


@command.command("info")
@click.argument("name")
def info_cmd(name: str) -> None:
    """Show where a set came from and what it holds (counts only, never entries)."""
    try:
        hs = open_library_set(name)
    except HashSetError as exc:
        raise UserError(str(exc)) from None
    _show(hs)
    for warning in hs.warnings:
        console.warning(warning)


def _show(hs: HashSet) -> None:
    counts = hs.manifest.get("category_counts", {})
    categories = ", ".join(f"{c} ({hs.scheme.label(c) or 'no label'}{'' if hs.scheme.alerts(c) else ', no alert'}): {n:,}"
                           for c, n in counts.items())
    console.table(f"hash set {hs.name}", [
        ("kind", hs.kind),
        ("format", hs.fmt),
        ("entries", f"{hs.entries:,}"),
        ("rejected", f"{hs.rejected:,}"),
        ("digests", ", ".join(f"{algo} {n:,}" for algo, n in hs.algorithms.items()) or "none"),
        ("PDQ hashes", f"{hs.pdq.count:,} (near matches of pictures)" if hs.pdq else "none"),
        ("categories", f"{categories} [scheme {hs.scheme.name}]" if categories else "none"),
        ("source", hs.source_path),
        ("source sha256", hs.source_sha256),
        ("imported at", hs.imported_at),
        ("index", str(hs.path)),
    ])
