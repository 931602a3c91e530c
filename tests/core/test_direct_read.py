"""Reading a file straight from its block runs gives exactly what The Sleuth Kit reads,
on file systems we did not make (the shared corpus) and on the test fixtures."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import pytsk3

from forensix.evidence import open_evidence
from forensix.walkers import tsk


def digests_both_ways(path: Path, offset: int) -> tuple[int, int]:
    """(files read directly, files compared), asserting both ways give the same bytes."""
    source = open_evidence(path)
    try:
        fs = pytsk3.FS_Info(source.image.tsk, offset=offset)
        direct = compared = 0
        for ref in tsk.walk(fs, offset, lambda message: None):
            by_tsk = tsk.reader(fs, ref)
            if by_tsk is None:
                continue
            fast = tsk.reader(fs, ref, source.image)
            expected = hashlib.sha256(b"".join(by_tsk())).hexdigest()
            assert hashlib.sha256(b"".join(fast())).hexdigest() == expected, ref.path
            direct += fast.__qualname__.startswith("_direct.")
            compared += 1
        return direct, compared
    finally:
        source.close()


@pytest.mark.parametrize("image", ["fat32_suspect.raw", "ext4_suspect.raw", "ext2.E01"])
def test_corpus_files_read_directly_equal_what_tsk_reads(corpus, image):
    direct, compared = digests_both_ways(corpus / "images" / image, 0)
    assert compared and direct  # the shortcut was taken, and gave TSK's bytes


@pytest.mark.parametrize("name", ["fat12", "fat16", "ext4", "gpt"])
def test_fixture_files_read_directly_equal_what_tsk_reads(evidence_fixtures, name):
    fixture = evidence_fixtures.get(name)
    for offset in fixture.get("volume_offsets", [0]):
        direct, compared = digests_both_ways(evidence_fixtures.evidence(name)[0], offset)
        assert compared
