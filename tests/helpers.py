"""Running the CLI in tests as a user runs it; imported by test modules and conftests."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator, NoReturn

import pytest
from click.testing import CliRunner


REQUIRE_ALL = os.environ.get("FORENSIX_REQUIRE_CORPUS", "") not in ("", "0")
"""CI runs every test: what a test needs (a shared corpus, a server, a built fixture) missing
there is a failure, not a skip."""
SHARED = Path(__file__).resolve().parents[2] / "shared"
"""The shared corpora and tools, beside the project."""


def unavailable(why: str) -> NoReturn:
    """A test's need is absent: skipped with the reason, or failed where CI requires everything."""
    if REQUIRE_ALL:
        pytest.fail(f"FORENSIX_REQUIRE_CORPUS is set but {why}")
    pytest.skip(why)


def shared_corpus(path: Path, what: str, needs: str = "truth.json") -> Path:
    """A shared corpus folder (``needs`` must be in it), or :func:`unavailable`."""
    if not (path / needs).exists():
        unavailable(f"{what} not found at {path} (clone ../shared beside the project to run this)")
    return path


def run_cli(*args: str, expect: int | None = 0):
    """Invoke the CLI in-process as a user would; assert the exit status."""
    from forensix.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    if expect is not None:
        assert result.exit_code == expect, result.output
    return result


def cli_process(*args: str) -> subprocess.Popen:
    """The CLI in a process of its own, as typed in a shell, left running (to be stopped,
    killed or waited for by the test)."""
    root = Path(__file__).resolve().parents[1]
    return subprocess.Popen([sys.executable, str(root / "forensix.py"), *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def text_files(folder: Path, count: int, line: Callable[[int], str]) -> Path:
    """A new ``folder`` of ``count`` files ``file000.txt`` ..., file ``i`` holding ``line(i)`` i + 1 times."""
    folder.mkdir()
    for i in range(count):
        (folder / f"file{i:03d}.txt").write_text(line(i) * (i + 1))
    return folder


def export_records(case: Path) -> list[dict]:
    """Scan results as the public JSONL export gives them."""
    out = run_cli("export", case, "--format", "jsonl")
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def report_sections(html: str) -> dict[str, str]:
    """A report's HTML by section id (``alert-index``, ``photos``, ``network`` …)."""
    parts = re.split(r'<section[^>]* id="([^"]+)"[^>]*>', html)
    return dict(zip(parts[1::2], parts[2::2]))


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` made read-only for real: a read-only bind mount when running as
    root (root writes through permission bits), else the write bits removed."""
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
        if mounted.returncode != 0:
            pytest.skip(f"cannot bind-mount {folder} read-only here: {mounted.stderr.decode().strip()}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=True, capture_output=True)
        return
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    for p, mode in modes.items():
        p.chmod(mode & ~0o222)
    try:
        yield folder
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


def fixture_script(name: str) -> ModuleType:
    """A builder script of ``tests/fixtures`` (not a package), loaded by path, once."""
    module_name = f"forensix_fixture_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, Path(__file__).parent / "fixtures" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def plugin(folder: Path, name: str, body: str) -> Path:
    """A plugin module in a --plugins-dir: ``body`` runs in forensix_file_analyzer."""
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(
        "import os, signal, time\nfrom forensix.hookspecs import hookimpl\n"
        f"NAME = {name!r}\n@hookimpl\ndef forensix_file_analyzer(entry, head):\n"
        + "".join(f"    {line}\n" for line in body.splitlines()) + "    return None\n")
    return folder


def recorded(case: Path) -> int:
    """File records in the case so far, read while a scan writes it."""
    try:
        db = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True, timeout=5)
        return db.execute("SELECT COUNT(*) FROM file_rows").fetchone()[0]
    except sqlite3.Error:
        return 0


def wait_for(case: Path, files: int, proc: subprocess.Popen, limit: float = 60) -> None:
    """Until a scan running in ``proc`` has recorded ``files`` files."""
    deadline = time.monotonic() + limit
    while recorded(case) < files:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the scan made no progress"
        time.sleep(0.05)
