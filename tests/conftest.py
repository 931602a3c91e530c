"""Shared fixtures: the shared corpus, and the CLI run as a user runs it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from evidence_fixtures import evidence_fixtures  # noqa: F401  (built test images, cached)
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FORENSIX_CORPUS", ROOT.parent / "shared" / "corpus"))
MODERN = Path(os.environ.get("FORENSIX_CORPUS_MODERN", ROOT.parent / "shared" / "corpus-modern"))
REQUIRE_CORPUS = os.environ.get("FORENSIX_REQUIRE_CORPUS", "") not in ("", "0")


@pytest.fixture(scope="session", autouse=True)
def hashset_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One per-user hash-set library for the session (``FORENSIX_HOME``), never the
    examiner's own: sets given by path are indexed there, once, as on a real machine."""
    home = tmp_path_factory.mktemp("forensix-home")
    previous = os.environ.get("FORENSIX_HOME")
    os.environ["FORENSIX_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("FORENSIX_HOME", None)
    else:
        os.environ["FORENSIX_HOME"] = previous


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared evaluation corpus; CI sets FORENSIX_REQUIRE_CORPUS=1 so it never skips."""
    if not (CORPUS / "truth.json").is_file():
        if REQUIRE_CORPUS:
            pytest.fail(f"FORENSIX_REQUIRE_CORPUS is set but {CORPUS} has no truth.json")
        pytest.skip(f"shared corpus not found at {CORPUS} (clone ../shared beside the project to run this)")
    return CORPUS


@pytest.fixture(scope="session")
def modern() -> Path:
    """The modern evidence corpus: real third-party images of the volume layers (``../shared/corpus-modern``)."""
    if not (MODERN / "truth.json").is_file():
        if REQUIRE_CORPUS:
            pytest.fail(f"FORENSIX_REQUIRE_CORPUS is set but {MODERN} has no truth.json")
        pytest.skip(f"modern corpus not found at {MODERN} (clone ../shared beside the project to run this)")
    return MODERN


@pytest.fixture(scope="session")
def truth(corpus: Path) -> dict:
    return json.loads((corpus / "truth.json").read_text())


@pytest.fixture()
def cli():
    return run_cli
