"""Redis, PostgreSQL and forensix workers for the lab tests: each its own instance, on a free
port, in a temporary folder, stopped at the end. PostgreSQL refuses to run as root: as root
(CI) it runs as the ``postgres`` user the Debian package creates."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import helpers

ROOT = Path(__file__).resolve().parents[2]
BROKER_PASSWORD = "br0ker-Secret-7"
"""Set on the test broker: it must never show in an output, a case folder or a log."""
DB_PASSWORD = "db-Secret-9"


def unavailable(what: str) -> None:
    """A server the lab tests need is missing: skipped, or a failure in CI."""
    helpers.unavailable(f"{what} (Debian packages redis-server and postgresql: scripts/setup.sh installs them)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, limit: float = 20) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start (exit {proc.poll()})")
            time.sleep(0.05)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class Redis:
    """redis-server with no persistence: a restart is an empty broker, the hardest case."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        if shutil.which("redis-server") is None:
            unavailable("redis-server not installed")
        self.folder, self.password, self.port = folder, password, free_port()
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.folder)]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)

    def stop(self) -> None:
        stop(self.proc)

    def url(self, db: int = 0) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"


def _postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


class Postgres:
    """A PostgreSQL cluster of its own; ``superuser`` connects without a password over the socket
    folder, ``url(user, password)`` over TCP with a password (scram-sha-256)."""

    def __init__(self) -> None:
        initdb, self.postgres = _postgres_bin("initdb"), _postgres_bin("postgres")
        if not initdb or not self.postgres:
            unavailable("PostgreSQL not installed")
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root, and there is no 'postgres' user to run PostgreSQL as")
        self.base = Path(tempfile.mkdtemp(prefix="forensix-pg-"))
        self.base.chmod(0o755)
        self.data, self.socket = self.base / "data", self.base / "socket"
        self.socket.mkdir()
        if self.user:
            os.chown(self.base, self.user.pw_uid, self.user.pw_gid)
            os.chown(self.socket, self.user.pw_uid, self.user.pw_gid)
        self.port = free_port()
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"])
        self.proc = subprocess.Popen(self._as_user([self.postgres, "-D", str(self.data), "-p", str(self.port),
                                                    "-k", str(self.socket), "-h", "127.0.0.1", "-c", "fsync=off"]),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        self._wait_accepting()

    def _wait_accepting(self, limit: float = 30) -> None:
        """The port opens before the server takes connections ("the database system is starting
        up" on a loaded machine): wait until pg_isready says it accepts them."""
        deadline = time.monotonic() + limit
        while subprocess.run([_postgres_bin("pg_isready"), "-q", "-h", str(self.socket), "-p", str(self.port)],
                             check=False).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL on port {self.port} does not accept connections")
            time.sleep(0.1)

    def _as_user(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self.user else args

    def _run(self, args: list[str]) -> None:
        subprocess.run(self._as_user(args), check=True, capture_output=True, cwd=self.base)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.superuser_url(database), autocommit=True) as db:
            db.execute(statement)

    def superuser_url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}&port={self.port}"

    def url(self, user: str, password: str, database: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def close(self) -> None:
        subprocess.run(self._as_user([_postgres_bin("pg_ctl"), "-D", str(self.data), "stop", "-m", "immediate"]),
                       capture_output=True, cwd=self.base)
        stop(self.proc)
        shutil.rmtree(self.base, ignore_errors=True)


class Worker:
    """``forensix worker`` in its own process group (so the test can kill the whole of it)."""

    def __init__(self, url: str, name: str, folder: Path, *extra: str) -> None:
        self.name = name
        self.log = folder / f"worker-{name}.log"
        with open(self.log, "wb") as log:
            # the address from the environment, as the README advises: a password on a command line shows in ps
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "forensix.py"), "worker", "--concurrency", "1",
                                          "--name", f"{name}@lab", *extra], cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         env={**os.environ, "FORENSIX_BROKER": url})

    def children(self) -> list[int]:
        out = subprocess.run(["ps", "--ppid", str(self.proc.pid), "-o", "pid="], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill(self) -> None:
        """Every process of this worker at once, as when its machine loses power."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
