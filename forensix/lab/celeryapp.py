"""The one Celery configuration of a distributed scan, for the examiner's machine and the workers.

A unit is a task acknowledged only once carried out (``task_acks_late``) and put
back in the queue when the process carrying it out dies
(``task_reject_on_worker_lost``): a worker killed half way costs a second
delivery, never the unit. Each worker process reserves one unit at a time, so a
unit waits in the broker for whichever worker is free, not behind a busy one.
Tasks and results are JSON (:mod:`forensix.lab.wire`); Celery's own result store
is not used, results stream back through Redis lists (:mod:`forensix.lab.protocol`).
"""
from __future__ import annotations

from typing import Any, Callable

QUEUE = "forensix"
TASK = "forensix.run_unit"
VISIBILITY_TIMEOUT = 6 * 3600
"""Seconds after which Redis gives a unit taken by a worker that vanished (its whole machine)
to another one. Long, so a slow unit is never given twice while it runs; the coordinator
notices a silent worker much sooner and sends its unit again itself."""


def make_app(broker_url: str, run_unit: Callable[..., Any] | None = None, request: type | None = None) -> Any:
    """A Celery app on ``broker_url``; with ``run_unit`` (a worker), the task that carries out units,
    with ``request`` as its Celery request class."""
    from celery import Celery

    if broker_url.startswith("rediss://") and "ssl_cert_reqs=" not in broker_url:
        # Celery would then connect without checking the broker's certificate; redis-py checks it
        broker_url += ("&" if "?" in broker_url else "?") + "ssl_cert_reqs=required"
    app = Celery("forensix", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json", accept_content=["json"], result_serializer="json",
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_ignore_result=True, task_default_queue=QUEUE,
        broker_connection_retry_on_startup=True, broker_connection_max_retries=None,
        broker_connection_timeout=5,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT, "socket_connect_timeout": 5},
        worker_hijack_root_logger=False, worker_redirect_stdouts=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    if run_unit is not None:
        app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, Request=request)(run_unit)
    return app
