"""MIME type from content, and whether the file's extension contradicts it.

An examiner cares less about what a file claims to be than about what it is:
a photo renamed ``notes.txt`` or a program renamed ``holiday.jpg`` is a classic
way to hide material from someone browsing a folder. libmagic names the content
from its first bytes (the ``head`` the engine hands over, so no extra read);
whether the extension contradicts it is judged by format family in
:mod:`forensix.mediatypes`, from maintained tables rather than a list kept here.
"""
from __future__ import annotations

import functools

import magic

from forensix import magicdb
from forensix.hookspecs import hookimpl
from forensix.mediatypes import extension_mismatch
from forensix.records import AnalyzerResult, Digests, FileEntry

NAME = "filetype"
VERSION = "1.0.0"
DESCRIPTION = "MIME type and description from content (libmagic); flags extensions that contradict it."

MAGIC_BYTES = 64 << 10
"""What libmagic is shown: enough for signatures deep in a file (ISO 9660 at 32 KiB, tar at 257)."""
TEXT_BYTES = 4 << 10
"""What libmagic's text tests (encoding, line endings) see of a file no signature names: they
cost time in proportion, and 4 KiB tell the encoding and the line structure."""


class _Namer:
    """One libmagic handle on one database, asked for a MIME type or a description by
    switching its flags (a handle per question would load the database twice)."""

    def __init__(self, database: bytes | None = None, extra: int = 0) -> None:
        self._magic = magic.Magic() if database is None else magicdb.load_database(database, mime=False)
        self._base = self._magic.flags | extra

    def __call__(self, head: bytes, mime: bool, extra: int = 0) -> str:
        flags = self._base | extra | (magic.MAGIC_MIME_TYPE if mime else 0)
        if flags != self._magic.flags:
            self._magic.flags = flags
            magic.magic_setflags(self._magic.cookie, flags)
        return self._magic.from_buffer(head)


@functools.cache
def _magic() -> tuple[_Namer, _Namer]:
    """libmagic on its whole database, and on the tests the index leaves to libmagic
    (:attr:`forensix.magicdb.MagicIndex.others`, the built-in tests included); made on first
    use (loading the database costs ~50 ms)."""
    index = magicdb.load()
    full = _Namer()
    if index is None or index.binary.others is None:
        return full, full
    return full, _Namer(index.binary.others)


@functools.lru_cache(maxsize=64)
def _narrow(tests: tuple[int, ...]) -> tuple[_Namer, bool]:
    """libmagic on the few indexed tests that could name a head (with the tests not indexed),
    and whether one of them runs ``indirect``: a JPEG's or an executable's handful instead of
    the whole database. Heads of one kind share their tests, so a scan loads a few such
    databases (~1 ms each) and reuses them."""
    binary = magicdb.load().binary
    tests_ = tuple(binary.entry(i) for i in tests)
    return _Namer(binary.subset(tests_)), binary.runs_indirect(tests_)


_NO_TEXT_TESTS = magic.MAGIC_NO_CHECK_ENCODING | magic.MAGIC_NO_CHECK_ASCII
"""For heads that hold a NUL byte (binary): the text-encoding tests cost time in proportion
to the head and conclude nothing there."""


def name_content(head: bytes) -> tuple[str, str]:
    """MIME type and description of a file from its first bytes, as libmagic gives them.

    Where no indexed test or search of libmagic's database can match the head
    (:mod:`forensix.magicdb`), libmagic runs with only the tests left: the same first
    match, so the same answer, in a fraction of the time; where a few can, with those few.
    """
    full, small = _magic()
    head = head[:MAGIC_BYTES]
    index = magicdb.load()
    maybe_text = b"\0" not in head.rstrip(b"\0") or head.startswith(_BYTE_ORDER_MARKS)
    if index is None:
        return full(head, mime=True), full(head, mime=False)
    if maybe_text:
        if index.could_match(head, maybe_text):
            return full(head, mime=True), full(head, mime=False)
        head = head[:TEXT_BYTES]
        return small(head, mime=True), small(head, mime=False)
    tests = index.binary.possible(head)  # a binary head: only binary tests can name it
    if not tests:
        description = small(head, mime=False, extra=_NO_TEXT_TESTS)
        if description == "data":  # libmagic's answer when nothing matched, whose MIME type is fixed
            return "application/octet-stream", description
        return small(head, mime=True, extra=_NO_TEXT_TESTS), description
    narrow, indirect = _narrow(tuple(test.index for test in tests))
    # ``indirect`` reads part of the head against the whole database; a MIME type is taken
    # from the first test that matches and has one, before its continuations run
    describe = full if indirect else narrow
    typer = full if indirect and not all(test.mime for test in tests) else narrow
    description = describe(head, mime=False, extra=_NO_TEXT_TESTS)
    return typer(head, mime=True, extra=_NO_TEXT_TESTS), description


_BYTE_ORDER_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
"""UTF-16 and UTF-32 text holds NUL bytes; libmagic knows it by its byte order mark (and it
ignores NUL bytes at the end, as the strip above does)."""


class _FileTypeAnalyzer:
    """Names the content from the head; needs no further chunk."""

    key = None
    wants_content = False

    def __init__(self, entry: FileEntry, head: bytes) -> None:
        self._entry = entry
        self._head = head

    def feed(self, chunk: bytes, offset: int) -> None:
        """Nothing to do: libmagic decides from the head alone."""

    def finish(self, digests: Digests) -> AnalyzerResult:
        try:
            mime, description = name_content(self._head)
        except magic.MagicException as exc:
            return AnalyzerResult(warnings=(f"libmagic could not name the content: {exc}",))
        return AnalyzerResult(data={
            "mime": mime,
            "mime_description": description,
            "extension_mismatch": extension_mismatch(self._entry.extension, mime),
        })


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _FileTypeAnalyzer:
    return _FileTypeAnalyzer(entry, head)
