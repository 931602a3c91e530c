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


@functools.cache
def _magic() -> tuple[magic.Magic, ...]:
    """libmagic handles, made on first use (loading the database costs ~50 ms): MIME type and
    description on the whole database; then both on the tests the index leaves to libmagic
    (:attr:`forensix.magicdb.MagicIndex.others`), with the built-in tests; then both again
    without the text-encoding tests, for heads that hold a NUL byte (binary, where they cost
    time in proportion to the head and conclude nothing)."""
    index = magicdb.load()
    full = magic.Magic(mime=True), magic.Magic()
    if index is None or index.binary.others is None:
        return (*full, *full, *full)
    others = index.binary.others
    small = magicdb.load_database(others, mime=True), magicdb.load_database(others, mime=False)
    binary = magicdb.load_database(others, mime=True), magicdb.load_database(others, mime=False)
    for cookie in binary:
        cookie.flags |= magic.MAGIC_NO_CHECK_ENCODING | magic.MAGIC_NO_CHECK_ASCII
        magic.magic_setflags(cookie.cookie, cookie.flags)
    return (*full, *small, *binary)


def name_content(head: bytes) -> tuple[str, str]:
    """MIME type and description of a file from its first bytes, as libmagic gives them.

    Where no indexed test or search of libmagic's database can match the head
    (:mod:`forensix.magicdb`), libmagic runs with only the tests left: the same first
    match, so the same answer, in a fraction of the time.
    """
    mime, describe, small_mime, small_describe, binary_mime, binary_describe = _magic()
    head = head[:MAGIC_BYTES]
    index = magicdb.load()
    maybe_text = b"\0" not in head.rstrip(b"\0") or head.startswith(_BYTE_ORDER_MARKS)
    if index is None or index.could_match(head, maybe_text):
        return mime.from_buffer(head), describe.from_buffer(head)
    if maybe_text:
        head = head[:TEXT_BYTES]
        return small_mime.from_buffer(head), small_describe.from_buffer(head)
    description = binary_describe.from_buffer(head)
    if description == "data":  # libmagic's answer when nothing matched, whose MIME type is fixed
        return "application/octet-stream", description
    return binary_mime.from_buffer(head), description


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
