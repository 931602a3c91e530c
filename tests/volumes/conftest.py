"""The modern evidence corpus's truth (the corpus itself, ``modern``, is in ``tests/conftest.py``)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))


@pytest.fixture(scope="session")
def modern_truth(modern: Path) -> dict:
    return json.loads((modern / "truth.json").read_text())
