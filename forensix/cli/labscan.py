"""``forensix scan --broker URL`` and ``--repo URL``: the lab's part of a scan, kept apart from it.

The addresses may carry passwords: the console, the action log and the case
folder only ever get :func:`forensix.lab.urls.describe` of them (host and
database). Celery, redis and psycopg (the ``lab`` extra) are imported only here.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forensix.case.store import CaseStore
from forensix.cli.console import UserError, console


def lab_modules() -> None:
    """The ``lab`` extra is optional: a command that needs it says how to install it."""
    for name in ("celery", "redis", "psycopg"):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise UserError(f"this needs the lab extra ({name}: {exc}): pip install 'forensix[lab]'") from None


@dataclass(frozen=True, slots=True)
class LabScan:
    broker: str | None
    repo: str | None

    @classmethod
    def prepare(cls, broker: str | None, repo: str | None, secrets: Any = None) -> "LabScan | None":
        """Check both addresses before any work: a typo costs a line, not a scan."""
        if not broker and not repo:
            return None
        if broker and secrets is not None and secrets.kinds():
            raise UserError("keys of encrypted volumes (--password, --recovery-key, --startup-key) never leave "
                            "this machine, and a broker may keep what it carries on its disk: scan encrypted "
                            "evidence without --broker")
        lab_modules()
        from forensix.lab.repository import Repository, RepositoryError

        if broker:
            _check_broker(broker)
        if repo:
            try:
                Repository.connect(repo).close()
            except RepositoryError as exc:
                raise UserError(str(exc)) from None
        return cls(broker, repo)

    def log_details(self) -> dict[str, str]:
        from forensix.lab.urls import describe

        return {**({"broker": describe(self.broker)} if self.broker else {}),
                **({"repository": describe(self.repo)} if self.repo else {})}

    def check_case(self, case_dir: Path) -> None:
        """The repository shows cases by their number: a case without one is refused before the
        scan, and before its folder is made."""
        if not self.repo:
            return
        from forensix.case.schema import CaseError
        from forensix.lab.seenin import NoCaseNumber, case_number

        try:
            store = CaseStore.open(case_dir, read_only=True)
        except CaseError:
            raise UserError(f"{case_dir}: --repo needs a case with a case number: forensix case init "
                            f"{case_dir} --case-number ... first") from None
        try:
            case_number(store)
        except NoCaseNumber as exc:
            raise UserError(str(exc)) from None
        finally:
            store.close()

    def executor(self, setup: Any, plugins: dict[str, str], hashsets: list, sizes: dict[int, int]) -> Any:
        """The Celery executor when ``--broker`` was given (None otherwise)."""
        if not self.broker:
            return None
        from forensix.lab.executor import CeleryExecutor
        from forensix.lab.urls import describe, redact

        facts = [{"path": str(hs.path), "name": hs.name, "kind": hs.kind, "scheme": hs.manifest["scheme"],
                  "source_sha256": hs.source_sha256} for hs in hashsets]
        try:
            executor = CeleryExecutor(self.broker, setup, plugins, facts, sizes)
        except Exception as exc:
            raise UserError(f"the broker ({describe(self.broker)}) cannot be reached: "
                            f"{redact(str(exc), self.broker)}") from None
        console.info(f"units go to the workers through {describe(self.broker)}")
        return executor

    def compare(self, store: CaseStore) -> None:
        """After the scan: the case into the repository, and what other cases saw into the case.
        A repository that fails now costs a warning: the scan itself is complete and logged."""
        if not self.repo:
            return
        from forensix.lab.repository import RepositoryError
        from forensix.lab.seenin import compare_at

        try:
            outcome, where = compare_at(store, self.repo)
        except RepositoryError as exc:
            console.warning(f"{exc}; the scan is complete: run forensix repo add {store.case_dir} later")
            return
        console.info(f"{store.case_dir}: {outcome.words(where)}")


def require_redis_address(url: str) -> None:
    """A broker address must be Redis's, for the scan that sends units and the worker that takes them alike."""
    from forensix.lab.urls import describe

    if not url.startswith(("redis://", "rediss://")):
        raise UserError(f"--broker {describe(url)}: a Redis address is expected (redis://HOST:PORT/DB, "
                        "or rediss:// with TLS)")


def _check_broker(url: str) -> None:
    from forensix.lab.protocol import redis_client
    from forensix.lab.urls import describe, redact

    require_redis_address(url)
    client = redis_client(url)
    try:
        client.ping()
    except Exception as exc:
        raise UserError(f"the broker ({describe(url)}) cannot be reached: {redact(str(exc), url)}") from None
    finally:
        client.close()
