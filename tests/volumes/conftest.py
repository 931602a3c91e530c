"""The modern evidence corpus (``../shared/corpus-modern``): real third-party images of
the volume layers, with truth made by reference tools."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODERN = Path(os.environ.get("FORENSIX_CORPUS_MODERN", ROOT.parent / "shared" / "corpus-modern"))
REQUIRE_CORPUS = os.environ.get("FORENSIX_REQUIRE_CORPUS", "") not in ("", "0")
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))


@pytest.fixture(scope="session")
def modern() -> Path:
    if not (MODERN / "truth.json").is_file():
        if REQUIRE_CORPUS:
            pytest.fail(f"FORENSIX_REQUIRE_CORPUS is set but {MODERN} has no truth.json")
        pytest.skip(f"modern corpus not found at {MODERN} (clone ../shared beside the project to run this)")
    return MODERN


@pytest.fixture(scope="session")
def modern_truth(modern: Path) -> dict:
    return json.loads((modern / "truth.json").read_text())
