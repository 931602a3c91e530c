"""``run_cli`` and ``export_records`` from tests/conftest.py, with the commands the
demo drives added to the group until the lead lists them in
``forensix.cli._add_commands`` (then this reduces to the re-export)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_forensix_tests_root_conftest",
                                               Path(__file__).resolve().parent.parent / "conftest.py")
_root = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root)


def run_cli(*args, expect: int | None = 0):
    from forensix.cli import _add_commands, case, cli, demo, report, verify

    _add_commands()
    for command in (demo.command, case.command, report.command, verify.command):
        if command.name not in cli.commands:
            cli.add_command(command)
    return _root.run_cli(*args, expect=expect)


export_records = _root.export_records
