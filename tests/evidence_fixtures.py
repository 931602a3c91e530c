"""The ``evidence_fixtures`` session fixture: tiny images of every evidence format.

Built once by ``tests/fixtures/build_fixtures.py`` into a cache directory keyed
by the script's own hash, so a normal test run only reads a manifest; editing
the script rebuilds. Import it in ``tests/conftest.py`` to use it anywhere.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from helpers import fixture_script, unavailable

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
CACHE_DIR = Path(os.environ.get("FORENSIX_FIXTURE_CACHE", FIXTURES_DIR / "build"))


def load_builder() -> ModuleType:
    """The build script (``tests/fixtures`` is not a package)."""
    return fixture_script("build_fixtures")


@dataclass(frozen=True, slots=True)
class EvidenceFixtures:
    """The built fixtures: ``get(name)`` gives one manifest entry, ``evidence(name)`` its paths."""

    root: Path
    manifest: dict

    def get(self, name: str) -> dict:
        reason = self.manifest["unavailable"].get(name)
        if reason is not None:
            unavailable(f"fixture {name!r} could not be built: {reason}")
        return self.manifest["fixtures"][name]

    def evidence(self, name: str) -> list[Path]:
        return [self.root / p for p in self.get(name)["evidence"]]


def build_cached(cache_dir: Path = CACHE_DIR) -> EvidenceFixtures:
    """Reuse ``cache_dir/<script hash>/`` if complete, else build it (atomically, then
    drop builds of older script versions)."""
    builder = load_builder()
    key = builder.builder_digest()[:16]
    target = cache_dir / key
    manifest_path = target / "manifest.json"
    if not manifest_path.is_file():
        staging = cache_dir / f".{key}.{os.getpid()}"
        try:
            builder.build_all(staging)
        except builder.BuildError as exc:
            pytest.fail(f"building evidence fixtures failed: {exc}")
        for old in cache_dir.iterdir():
            if old.is_dir() and not old.name.startswith(".") and old.name != key:
                shutil.rmtree(old, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:  # another process won the race; its build is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
    return EvidenceFixtures(target, json.loads(manifest_path.read_text()))


@pytest.fixture(scope="session")
def evidence_fixtures() -> EvidenceFixtures:
    return build_cached()
