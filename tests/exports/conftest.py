"""The corpus scan every export is checked against: both suspect images, both corpus hash sets."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from helpers import export_records, run_cli

IMAGES = ("fat32_suspect.raw", "ext4_suspect.raw")
HASHSETS = ("known_bad.vics.json", "nsrl_minimal.db")


def _scan_suspects(corpus: Path, case: Path, *hashsets: Path | str) -> None:
    args = [corpus / "images" / name for name in IMAGES]
    for hashset in hashsets:
        args += ["--hashset", hashset]
    run_cli("scan", *args, "--exhibit", "JS/1", "--case", case, "--no-progress")


@pytest.fixture()
def scan_suspects(corpus: Path) -> Callable[..., None]:
    """``scan_suspects(case, *hashsets)``: the two suspect images scanned into ``case`` (a fixture,
    not an import from this conftest: another folder's conftest may be the one Python finds)."""
    return lambda case, *hashsets: _scan_suspects(corpus, case, *hashsets)


@pytest.fixture(scope="module")
def corpus_case(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case per test module, so logged exports of one module never leak into another."""
    case = tmp_path_factory.mktemp("exports") / "case"
    _scan_suspects(corpus, case, *(corpus / "hashsets" / name for name in HASHSETS))
    return case


@pytest.fixture(scope="module")
def corpus_records(corpus_case: Path) -> list[dict]:
    return export_records(corpus_case)
