"""Lab scale: one scan spread over several machines, and a repository shared by cases.

* :mod:`forensix.lab.executor`: the coordinator's side of a distributed scan
  (units sent as Celery tasks over Redis, results checked and written as a local
  scan writes them); :mod:`forensix.lab.tasks`: the worker's side
  (``forensix worker``); :mod:`forensix.lab.wire`: what crosses between machines,
  as JSON; :mod:`forensix.lab.celeryapp`: the one Celery configuration both use.
* :mod:`forensix.lab.repository`: the central repository (PostgreSQL, or a
  SQLite file) of what every case has seen, and :mod:`forensix.lab.seenin`:
  what a case learns from it (``seen_in``).
* :mod:`forensix.lab.urls`: broker and database addresses, which may carry
  passwords: only ever shown as host and database name.

Celery, redis and psycopg are the ``lab`` extra: nothing here is imported by a
local scan.
"""
