"""The shared picture corpus (../shared/corpus-pictures): third-party pictures and videos
with ExifTool's values as truth. Skips when absent; fails when FORENSIX_REQUIRE_CORPUS=1."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import SHARED, shared_corpus

PICTURES = Path(os.environ.get("FORENSIX_PICTURES_CORPUS", SHARED / "corpus-pictures"))


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
    truth = shared_corpus(PICTURES, "picture corpus") / "truth.json"
    return PictureCorpus(PICTURES, {entry["path"]: entry for entry in json.loads(truth.read_text())["files"]})
