"""The shortcut past libmagic's database gives libmagic's own answer, on files we did not make:
the programs and libraries of this machine and the picture corpus's cameras and odd formats."""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import magic
import pytest

from forensix import magicdb
from plugins import filetype
from plugins.filetype import MAGIC_BYTES, name_content

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import benchimage  # noqa: E402  (the bench image's own generators of content)

SYSTEM = (Path("/usr/bin"), Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/share/mime"))


def heads(roots: list[Path], limit: int) -> list[tuple[str, bytes]]:
    paths = [Path(d) / f for root in roots for d, _, files in os.walk(root) for f in files]
    random.Random(7).shuffle(paths)
    out = []
    for path in paths:
        if len(out) >= limit:
            break
        if path.is_file() and not path.is_symlink():
            try:
                head = path.read_bytes()[:MAGIC_BYTES] if path.stat().st_size < 64 << 20 else b""
            except OSError:
                continue
            if head:
                out.append((str(path), head))
    return out


@pytest.fixture(scope="module")
def samples(corpus: Path) -> list[tuple[str, bytes]]:
    """Every file of the picture corpus (odd and damaged formats), a sample of this machine's,
    and bytes no format describes (where the shortcut is taken most)."""
    noise = random.Random(7)
    unnamed = [(f"random-{i}", noise.randbytes(noise.randrange(16, MAGIC_BYTES))) for i in range(300)]
    pictures = [(f"jpeg-like-{i}", benchimage._jpeg_like(noise, noise.randrange(100 << 10, 300 << 10))[:MAGIC_BYTES])
                for i in range(40)]
    found = heads([corpus.parent / "corpus-pictures" / "files"], 1000) + heads(list(SYSTEM), 800)
    cut = [(f"{path}[:{size}]", head[:size]) for path, head in found for size in (noise.choice(CUTS),) if size < len(head)]
    return found + cut + unnamed + pictures


CUTS = (2, 4, 8, 16, 64, 257, 262, 512, 1024, 4095, 4096, 4097)
"""Heads cut short, as a small file's are: tests that read past the end must fail as in libmagic."""


def binary(head: bytes) -> bool:
    """As libmagic judges it: a NUL byte before the trailing ones, and no byte order mark."""
    return b"\0" in head.rstrip(b"\0") and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def test_the_index_reads_this_machines_database():
    assert magicdb.load() is not None, "libmagic's magic.mgc has a layout this module does not know"


def test_entries_carry_the_mime_type_and_extensions_libmagic_gives():
    """What forensix.mediatypes takes from the parse: libmagic itself (MAGIC_EXTENSION) is the judge."""
    import io

    from PIL import Image

    named = {}
    stack = list(magicdb.entries())
    while stack:
        entry = stack.pop()
        stack.extend(entry.children)
        if entry.mime:
            named.setdefault(entry.mime, set()).add(entry.extensions)
    for fmt in ("JPEG", "PNG", "GIF", "TIFF"):
        picture = io.BytesIO()
        Image.new("RGB", (8, 8)).save(picture, fmt)
        head = picture.getvalue()
        mime, listed = magic.Magic(mime=True).from_buffer(head), magic.Magic(extension=True).from_buffer(head)
        assert tuple(listed.split("/")) in named[mime], (fmt, named.get(mime))


def test_binary_files_are_named_exactly_as_libmagic_names_them(samples):
    full_mime, full_text = magic.Magic(mime=True), magic.Magic()
    skipped = 0
    for path, head in samples:
        if not binary(head):
            continue  # text: see the next test
        if not magicdb.load().could_match(head, False):
            skipped += 1
        assert name_content(head) == (full_mime.from_buffer(head), full_text.from_buffer(head)), path
    assert skipped >= 50  # the shortcut was taken, and gave libmagic's answers


def test_heads_a_few_tests_could_name_are_named_by_those_few(samples):
    """A JPEG, an executable, a byte that starts a hundred formats: libmagic on the handful of
    tests that could match (and the whole database only where one reads the head ``indirect``)."""
    filetype._narrow.cache_clear()
    narrowed = sum(1 for _, head in samples if binary(head) and magicdb.load().binary.possible(head))
    for _, head in samples:
        if binary(head):
            name_content(head)
    assert narrowed >= 100
    assert 0 < filetype._narrow.cache_info().currsize < narrowed  # heads of one kind share a database


def test_a_subroutine_is_found_by_its_name():
    """``use`` names a subroutine: the index follows it (else every ``use`` could match)."""
    binary = magicdb.load().binary
    uses = [child for entry in binary.names.values() for child in entry.children if child.type == magicdb.USE]
    assert uses and all(use.value.lstrip(b"^") in binary.names for use in uses)


def test_text_keeps_its_kind_and_its_signature_formats(samples):
    full_mime = magic.Magic(mime=True)
    for path, head in samples:
        if binary(head):
            continue
        mime, _ = name_content(head)
        truth = full_mime.from_buffer(head)
        assert mime.split("/")[0] == truth.split("/")[0] or mime == truth, path
        if head.startswith((b"<?xml", b"#!/bin/sh", b"%PDF")):
            assert mime == truth, path
