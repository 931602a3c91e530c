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
TEXT_BYTES = 8 << 10
"""What libmagic's text tests (encoding, line endings) see of a file no signature names: they
cost time in proportion, and 8 KiB tell the encoding and the line structure."""


@functools.cache
def _magic() -> tuple[magic.Magic, magic.Magic, magic.Magic, magic.Magic]:
    """libmagic handles, made on first use (loading the database costs ~50 ms): MIME type and
    description with every test, then both with the built-in tests only (no database)."""
    def builtin_only(mime: bool) -> magic.Magic:
        cookie = magic.Magic(mime=mime)
        cookie.flags |= magic.MAGIC_NO_CHECK_SOFT
        magic.magic_setflags(cookie.cookie, cookie.flags)
        return cookie

    return magic.Magic(mime=True), magic.Magic(), builtin_only(True), builtin_only(False)


def name_content(head: bytes) -> tuple[str, str]:
    """MIME type and description of a file from its first bytes, as libmagic gives them.

    The database pass (milliseconds on text) runs only where an entry of libmagic's own
    database could match the head (:mod:`forensix.magicdb`); elsewhere libmagic's built-in
    tests alone give the answer, the same one for every binary head.
    """
    mime, describe, builtin_mime, builtin_describe = _magic()
    head = head[:MAGIC_BYTES]
    index = magicdb.load()
    maybe_text = b"\0" not in head[:TEXT_BYTES]
    if index is None or index.could_match(head, maybe_text):
        return mime.from_buffer(head), describe.from_buffer(head)
    if maybe_text:
        head = head[:TEXT_BYTES]
    return builtin_mime.from_buffer(head), builtin_describe.from_buffer(head)


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
