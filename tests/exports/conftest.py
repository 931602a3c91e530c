"""The corpus scan every export is checked against: both suspect images, both corpus hash sets."""
from __future__ import annotations

from pathlib import Path

import pytest
from helpers import export_records, run_cli

IMAGES = ("fat32_suspect.raw", "ext4_suspect.raw")
HASHSETS = ("known_bad.vics.json", "nsrl_minimal.db")


def scan_corpus(corpus: Path, case: Path, *hashsets: Path | str) -> None:
    args = [corpus / "images" / name for name in IMAGES]
    for hashset in hashsets:
        args += ["--hashset", hashset]
    run_cli("scan", *args, "--exhibit", "JS/1", "--case", case, "--no-progress")


@pytest.fixture(scope="module")
def corpus_case(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case per test module, so logged exports of one module never leak into another."""
    case = tmp_path_factory.mktemp("exports") / "case"
    scan_corpus(corpus, case, *(corpus / "hashsets" / name for name in HASHSETS))
    return case


@pytest.fixture(scope="module")
def corpus_records(corpus_case: Path) -> list[dict]:
    return export_records(corpus_case)
