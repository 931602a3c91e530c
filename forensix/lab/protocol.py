"""How the examiner's machine and the workers talk beside Celery, through Redis.

Celery carries each unit to a worker; everything else goes through a few Redis
keys of the scan run (a random id, so nothing of an earlier or another scan can
be mistaken for this one's):

* ``reply``: a list the workers push their messages to, the coordinator pops:
  ``["start", unit, check, attempt, worker]`` before a unit is begun,
  ``["beat", unit, attempt, worker, index, stage]`` every :data:`BEAT` seconds,
  ``["results", unit, attempt, evidence_id, [volume_offset, volume_key], [[index, seq, records]], plugin_errors]``,
  ``["done", unit, attempt, holes]``, ``["hung", unit, attempt, index, stage, seconds]``
  (a file made no progress for the file timeout: the worker process kills itself),
  ``["refused", unit, check, worker, reason]`` (the worker cannot read the evidence,
  find the hash sets, or runs other plugins), and from a worker's main process
  ``["lost", unit, check, worker, why]`` (the process carrying out the unit died).
* ``go:ATTEMPT``: the coordinator's answer to a start: ``["go", indices_done, careful]``
  or ``["drop"]`` (a unit already finished, or being carried out elsewhere); later a
  ``["drop"]`` there stops an attempt the coordinator gave up on (it looked dead).
* ``alive``: set while the coordinator runs; a unit of a scan that is over is dropped,
  and one under way stops (a worker learns both with each results message it sends).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BEAT = 1.0
"""Seconds between a working worker's heartbeats."""
LOST = 10.0
"""Seconds without a word from a working worker after which it is taken as gone
(its machine stopped, or the network): its unit is sent again."""
GO_WAIT = 30.0
"""How long a worker waits for the coordinator's answer before it lets a unit go."""
ALIVE_TTL = 30
REPLY_TTL = 3600
"""A scan's lists expire: a coordinator killed outright leaves nothing behind for long."""


@dataclass(frozen=True, slots=True)
class Keys:
    run: str

    @property
    def reply(self) -> str:
        return f"forensix:run:{self.run}:reply"

    @property
    def alive(self) -> str:
        return f"forensix:run:{self.run}:alive"

    def go(self, attempt: str) -> str:
        return f"forensix:run:{self.run}:go:{attempt}"


def redis_client(url: str) -> Any:
    """A client on the broker's Redis (``redis://`` or ``rediss://``, with the URL's TLS parameters)."""
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=GO_WAIT + 10, socket_keepalive=True,
                                health_check_interval=30)
