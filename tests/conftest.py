"""Shared fixtures: the shared corpus, and the CLI run as a user runs it."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from evidence_fixtures import evidence_fixtures  # noqa: F401  (built test images, cached)
from helpers import SHARED, run_cli, shared_corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FORENSIX_CORPUS", SHARED / "corpus"))
MODERN = Path(os.environ.get("FORENSIX_CORPUS_MODERN", SHARED / "corpus-modern"))


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
    return shared_corpus(CORPUS, "shared corpus")


@pytest.fixture(scope="session")
def modern() -> Path:
    """The modern evidence corpus: real third-party images of the volume layers (``../shared/corpus-modern``)."""
    return shared_corpus(MODERN, "modern corpus")


@pytest.fixture(scope="session")
def truth(corpus: Path) -> dict:
    return json.loads((corpus / "truth.json").read_text())


@pytest.fixture()
def cli():
    return run_cli
