"""Running the CLI in tests as a user runs it; imported by test modules and conftests."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from click.testing import CliRunner


def run_cli(*args: str, expect: int | None = 0):
    """Invoke the CLI in-process as a user would; assert the exit status."""
    from forensix.cli import _add_commands, cli

    _add_commands()
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if expect is not None:
        assert result.exit_code == expect, result.output
    return result


def export_records(case: Path) -> list[dict]:
    """Scan results as the public JSONL export gives them."""
    out = run_cli("export", case, "--format", "jsonl")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def fixture_script(name: str) -> ModuleType:
    """A builder script of ``tests/fixtures`` (not a package), loaded by path, once."""
    module_name = f"forensix_fixture_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, Path(__file__).parent / "fixtures" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]
