"""A lab on one machine for the tests: a password-protected Redis, two forensix workers and a
PostgreSQL cluster, each started once per module on free ports in temporary folders."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from helpers import unavailable
from labservers import BROKER_PASSWORD, DB_PASSWORD, Postgres, Redis, Worker


def _lab_extra() -> None:
    for name in ("celery", "redis", "psycopg"):
        if importlib.util.find_spec(name) is None:
            unavailable(f"the lab extra is not installed ({name}): scripts/setup.sh or pip install -e '.[lab]'"
                        " installs it")


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Redis:
    _lab_extra()
    server = Redis(tmp_path_factory.mktemp("redis"), BROKER_PASSWORD)
    yield server
    server.stop()


class Workers:
    """Two workers (``a`` and ``b``, one process each) on the broker's db 0; a test that kills
    one gets it back before the next test."""

    def __init__(self, broker: Redis, folder: Path) -> None:
        self.broker, self.folder = broker, folder
        self.running = {name: Worker(broker.url(), name, folder) for name in ("a", "b")}

    def revive(self) -> None:
        for name, worker in self.running.items():
            if worker.proc.poll() is not None:
                self.running[name] = Worker(self.broker.url(), name, self.folder)

    def stop(self) -> None:
        for worker in self.running.values():
            worker.stop()


@pytest.fixture(scope="module")
def lab(broker: Redis, tmp_path_factory: pytest.TempPathFactory) -> Workers:
    workers = Workers(broker, tmp_path_factory.mktemp("workers"))
    yield workers
    workers.stop()


@pytest.fixture()
def workers(lab: Workers) -> Workers:
    lab.revive()
    return lab


@pytest.fixture(scope="module")
def postgres() -> Postgres:
    _lab_extra()
    server = Postgres()
    try:
        server.sql(f"CREATE ROLE examiner LOGIN PASSWORD '{DB_PASSWORD}'")
        server.sql(f"CREATE ROLE trainee LOGIN PASSWORD '{DB_PASSWORD}'")
        server.sql("CREATE DATABASE forensix")
        yield server
    finally:
        server.close()
