"""Shared fixtures: the shared corpus, and the CLI run as a user runs it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from evidence_fixtures import evidence_fixtures  # noqa: F401  (built test images, cached)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FORENSIX_CORPUS", ROOT.parent / "shared" / "corpus"))
REQUIRE_CORPUS = os.environ.get("FORENSIX_REQUIRE_CORPUS", "") not in ("", "0")


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared evaluation corpus; CI sets FORENSIX_REQUIRE_CORPUS=1 so it never skips."""
    if not (CORPUS / "truth.json").is_file():
        if REQUIRE_CORPUS:
            pytest.fail(f"FORENSIX_REQUIRE_CORPUS is set but {CORPUS} has no truth.json")
        pytest.skip(f"shared corpus not found at {CORPUS} (clone ../shared beside the project to run this)")
    return CORPUS


@pytest.fixture(scope="session")
def truth(corpus: Path) -> dict:
    return json.loads((corpus / "truth.json").read_text())


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


@pytest.fixture()
def cli():
    return run_cli
