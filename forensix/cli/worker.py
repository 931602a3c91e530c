"""``forensix worker``: a Celery worker that carries out the units of distributed scans."""
from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import warnings
from typing import Any

import click

from forensix.cli.console import UserError, console, debug_enabled
from forensix.cli.labscan import lab_modules, require_redis_address


class _Plain(logging.Filter):
    """Celery's own log lines for the examiner: no traceback (FORENSIX_DEBUG=1 keeps them) and no password."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def filter(self, record: logging.LogRecord) -> bool:
        from forensix.lab.urls import redact

        record.msg = redact(record.getMessage(), self.url)
        record.args = ()
        if not debug_enabled():
            record.exc_info = record.exc_text = record.stack_info = None
        return True


ROOT_WORDS = ("this worker runs {who}. Its units are JSON, never pickle, so a message on the broker cannot run"
              " code by itself; but evidence is hostile input to dozens of file-format libraries, whose flaw would"
              " then hold the whole machine, and whoever can write to the broker could have it read any file"
              " here. Run it as a user that may only read the evidence (README, \"Lab\").")


def say_privileges_plainly() -> None:
    """Celery warns of a worker with superuser privileges in words that point at a ``--uid`` option
    this command has not, under a line of its own source: the risk is real (a parser flaw, a unit
    naming any file), so it is said here instead, in an examiner's words, whenever Celery would say it.
    Any other warning is shown as it was."""
    from celery.exceptions import SecurityWarning

    shown = warnings.showwarning

    def show(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, SecurityWarning) and "superuser privileges" in str(message):
            console.warning(ROOT_WORDS.format(who="as root" if os.geteuid() == 0 or os.getuid() == 0 else
                                              "with a group Celery counts as root's (sudo, wheel, or one without a name)"))
        else:
            shown(message, category, *args, **kwargs)

    warnings.showwarning = show


@click.command("worker")
@click.option("--broker", required=True, envvar="FORENSIX_BROKER", metavar="URL", show_envvar=True,
              help="The scan's Redis (redis://HOST:6379/0, rediss:// with TLS); better from the environment "
                   "than on the command line when it carries a password.")
@click.option("--concurrency", type=click.IntRange(min=1), metavar="N",
              help="Processes carrying out units (default: one per core).")
@click.option("--path-map", "path_maps", multiple=True, metavar="LOCAL=REMOTE",
              help="The examiner's machine's folder LOCAL (evidence, hash sets, plugins) is REMOTE here.")
@click.option("--name", help="This worker's name in messages (default forensix.PID@HOST).")
def command(broker: str, concurrency: int | None, path_maps: tuple[str, ...], name: str | None) -> None:
    """Carry out the units of scans started with `forensix scan --broker URL`, until stopped (Ctrl-C).

    Evidence is read at the path the examining machine gave (shared storage) or
    through --path-map; hash sets at their path, or imported on this machine
    from the same file. A unit this worker cannot read is refused, and the scan
    names the worker, the unit and why.
    """
    lab_modules()
    from forensix.lab.celeryapp import QUEUE, make_app
    from forensix.lab.tasks import WorkerSide, parse_path_map
    from forensix.lab.urls import describe

    require_redis_address(broker)
    try:
        path_map = parse_path_map(path_maps)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    processes = concurrency or os.cpu_count() or 1
    name = name or f"forensix.{os.getpid()}@{socket.gethostname()}"
    handler = logging.StreamHandler()
    handler.addFilter(_Plain(broker))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    say_privileges_plainly()
    scratch = tempfile.mkdtemp(prefix="forensix-worker-")
    side = WorkerSide(broker, path_map, scratch)
    app = make_app(broker, side.celery_task(), side.request_class())
    maps = "".join(f"; {local} is {remote} here" for local, remote in path_map)
    console.info(f"worker {name}: {processes} processes, units from {describe(broker)}{maps}")
    try:
        app.worker_main(["--quiet", "worker", "--concurrency", str(processes), "--pool", "prefork", "--queues", QUEUE,
                         "--hostname", name, "--loglevel", "DEBUG" if debug_enabled() else "WARNING",
                         "--without-mingle", "--without-gossip"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
