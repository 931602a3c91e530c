"""The shared picture corpus (../shared/corpus-pictures): third-party pictures and videos
with ExifTool's values as truth. Skips when absent; fails when FORENSIX_REQUIRE_CORPUS=1."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PICTURES = Path(os.environ.get("FORENSIX_PICTURES_CORPUS", ROOT.parent / "shared" / "corpus-pictures"))
REQUIRE_CORPUS = os.environ.get("FORENSIX_REQUIRE_CORPUS", "") not in ("", "0")


@dataclass(frozen=True)
class PictureCorpus:
    root: Path
    truth: dict[str, dict]
    """truth.json's entries by path."""

    def __getitem__(self, path: str) -> dict:
        return self.truth[path]

    def bytes(self, path: str) -> bytes:
        return (self.root / "files" / path).read_bytes()


@pytest.fixture(scope="session")
def pictures() -> PictureCorpus:
    truth = PICTURES / "truth.json"
    if not truth.is_file():
        if REQUIRE_CORPUS:
            pytest.fail(f"FORENSIX_REQUIRE_CORPUS is set but {PICTURES} has no truth.json")
        pytest.skip(f"picture corpus not found at {PICTURES} (clone ../shared beside the project to run this)")
    return PictureCorpus(PICTURES, {entry["path"]: entry for entry in json.loads(truth.read_text())["files"]})
