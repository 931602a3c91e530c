"""What the fork server does once so every worker it forks starts ready: imports the
built-in plugins and loads libmagic's databases (a quarter of a second a worker, and
memory the workers then share until they write to it)."""
from __future__ import annotations

import importlib

from plugins import BUILTIN

for _name in BUILTIN:
    importlib.import_module(_name)

from plugins.filetype import _magic  # noqa: E402  (after the plugins, which it is one of)

try:
    _magic()
except Exception:  # noqa: BLE001  a fork server that dies takes every worker with it; each worker tries again
    pass
