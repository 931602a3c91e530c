"""The demo evidence as an examiner's tools see it: a valid, verifiable, reproducible E01."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import datetime

import pyewf
import pytest

from forensix.demo.build import build_demo
from forensix.demo.ewf import CHUNK, AcquisitionInfo, write_e01

SMALL = 40
"""Ordinary files in the determinism builds: the planted items are all there, the build is quick."""


def _sha256s(build) -> dict[str, str]:
    paths = [*build.segments, build.vics, build.nsrl, build.answers]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = build_demo(tmp_path / "a", seed=7, files=SMALL)
    second = build_demo(tmp_path / "b", seed=7, files=SMALL)
    other = build_demo(tmp_path / "c", seed=8, files=SMALL)
    assert len(first.segments) >= 2
    assert _sha256s(first) == _sha256s(second)
    differ = {name for name, digest in _sha256s(other).items() if _sha256s(first).get(name) != digest}
    assert {p.name for p in first.segments} | {first.vics.name, first.nsrl.name} <= differ


def _read_all(handle) -> bytes:
    return handle.read_buffer_at_offset(handle.get_media_size(), 0)


def test_e01_reads_back_with_libewf(demo, answers):
    assert len(demo.segments) >= 2 and [p.suffix for p in demo.segments][:2] == [".E01", ".E02"]
    handle = pyewf.handle()
    handle.open(pyewf.glob(str(demo.segments[0])))
    try:
        assert handle.get_media_size() == answers["evidence"]["media_size"]
        assert handle.get_hash_value("MD5") == answers["evidence"]["md5"]
        assert hashlib.md5(_read_all(handle)).hexdigest() == answers["evidence"]["md5"]
        assert handle.get_header_value("case_number") == demo.case["case_number"]
        assert handle.get_header_value("examiner_name") == demo.case["examiner"]
    finally:
        handle.close()
    for segment in answers["evidence"]["segments"]:
        assert hashlib.sha256((demo.segments[0].parent / segment["name"]).read_bytes()).hexdigest() == segment["sha256"]


@pytest.mark.skipif(shutil.which("ewfverify") is None, reason="ewf-tools not installed")
def test_ewfverify_says_the_hashes_match(demo):
    done = subprocess.run(["ewfverify", "-q", str(demo.segments[0])], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_writer_keeps_a_partial_last_chunk_and_incompressible_chunks(tmp_path):
    """Random (stored) and zero (compressed) chunks, and an image that ends mid-chunk."""
    import random

    rng = random.Random(1)
    data = rng.randbytes(3 * CHUNK) + bytes(5 * CHUNK) + rng.randbytes(7 * 512)
    raw = tmp_path / "raw.img"
    raw.write_bytes(data)
    info = AcquisitionInfo("C-1", "E-1", "test", "tester", "", datetime(2026, 1, 2, 3, 4, 5))
    segments = write_e01(raw, tmp_path / "img", info, segment_size=2 * CHUNK)
    assert len(segments) >= 3
    handle = pyewf.handle()
    handle.open([str(p) for p in segments])
    try:
        assert handle.get_media_size() == len(data)
        assert _read_all(handle) == data
        assert handle.get_hash_value("MD5") == hashlib.md5(data).hexdigest()
        assert handle.get_hash_value("SHA1") == hashlib.sha1(data).hexdigest()
    finally:
        handle.close()


def test_answer_sheet_is_json_with_every_role(answers):
    roles = {item["role"] for item in answers["items"]}
    assert {"known-material", "known-good", "photo", "chat", "archive"} == roles
    assert json.dumps(answers)  # plain data only
