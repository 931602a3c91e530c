"""Running the CLI in tests as a user runs it; imported by test modules and conftests."""
from __future__ import annotations

import json
import re
from pathlib import Path

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


def report_sections(html: str) -> dict[str, str]:
    """A report's HTML by section id (``alert-index``, ``photos``, ``network`` …)."""
    parts = re.split(r'<section[^>]* id="([^"]+)"[^>]*>', html)
    return dict(zip(parts[1::2], parts[2::2]))
