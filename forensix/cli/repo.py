"""``forensix repo``: the lab's central repository of what every case has seen."""
from __future__ import annotations

from pathlib import Path

import click

from forensix.cli.caseopen import open_case
from forensix.cli.console import CommandGroup, UserError, console
from forensix.cli.labscan import lab_modules

_URL_HELP = ("The repository: postgresql://[USER@]HOST[:PORT]/DATABASE (password in ~/.pgpass or PGPASSWORD, "
             "TLS with ?sslmode=verify-full), or a SQLite file.")


@click.group("repo", cls=CommandGroup)
def command() -> None:
    """The central repository: files and identifiers seen across cases."""


@command.command("init", short_help="Create the repository (PostgreSQL or a SQLite file) and grant roles access.",
                 help="Create the repository at URL (again: nothing in it is touched; one an earlier forensix made"
                      " is brought up to date in place). URL: " + _URL_HELP)
@click.argument("url", envvar="FORENSIX_REPO")
@click.option("--grant-read", multiple=True, metavar="ROLE", help="PostgreSQL role that may read it.")
@click.option("--grant-write", multiple=True, metavar="ROLE", help="PostgreSQL role that may add cases to it.")
def init(url: str, grant_read: tuple[str, ...], grant_write: tuple[str, ...]) -> None:
    lab_modules()
    from forensix.lab.repository import Repository, RepositoryError

    try:
        repo = Repository.connect(url, create=True)
        try:
            upgraded = repo.init(grant_read, grant_write)
        finally:
            repo.close()
    except RepositoryError as exc:
        raise UserError(str(exc)) from None
    grants = "".join(f"; {role} may read" for role in grant_read) + "".join(
        f"; {role} may add cases" for role in grant_write)
    if upgraded:
        grants += ("; brought up to date in place from an earlier forensix's, every case kept: cases are now"
                   " told apart by their identity, not their number alone")
    console.info(f"repository ready: {repo.where}{grants}")


@command.command("add", short_help="Add a case to the repository and record what other cases saw.")
@click.argument("case", type=click.Path(file_okay=False, path_type=Path))
@click.option("--repo", "url", required=True, envvar="FORENSIX_REPO", show_envvar=True, metavar="URL",
              help=_URL_HELP)
def add(case: Path, url: str) -> None:
    """Add CASE's files and identifiers to the repository (replacing what an earlier add put there),
    and give each of its records seen in another case a ``seen_in``. Run it again to learn what
    cases added later saw."""
    lab_modules()
    from forensix.lab.repository import RepositoryError
    from forensix.lab.seenin import NoCaseNumber, compare_at

    store = open_case(case, write=True)  # held until closed: one writer at a time
    try:
        outcome, where = compare_at(store, url)
    except (RepositoryError, NoCaseNumber) as exc:
        raise UserError(str(exc)) from None
    finally:
        store.close()
    console.info(f"{case}: {outcome.words(where)}")
