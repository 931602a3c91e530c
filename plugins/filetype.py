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

from forensix.hookspecs import hookimpl
from forensix.mediatypes import extension_mismatch
from forensix.records import AnalyzerResult, Digests, FileEntry

NAME = "filetype"
VERSION = "1.0.0"
DESCRIPTION = "MIME type and description from content (libmagic); flags extensions that contradict it."

MAGIC_BYTES = 64 << 10
"""What libmagic is shown: enough for signatures deep in a file (ISO 9660 at 32 KiB,
tar at 257) without paying its text tests over a whole megabyte."""


@functools.cache
def _magic() -> tuple[magic.Magic, magic.Magic, magic.Magic]:
    """libmagic handles (MIME, description, plain-text description), made on first
    use: loading the database costs ~50 ms.

    The third skips the magic database ("soft" tests): once the MIME type says
    plain text, the database has nothing more specific to say, and its text
    regexes are what make libmagic cost milliseconds a file.
    """
    plain = magic.Magic()
    plain.flags |= magic.MAGIC_NO_CHECK_SOFT
    magic.magic_setflags(plain.cookie, plain.flags)
    return magic.Magic(mime=True), magic.Magic(), plain


class _FileTypeAnalyzer:
    """Names the content from the head; needs no further chunk."""

    key = None

    def __init__(self, entry: FileEntry, head: bytes) -> None:
        self._entry = entry
        self._head = head

    def feed(self, chunk: bytes, offset: int) -> None:
        """Nothing to do: libmagic decides from the head alone."""

    def finish(self, digests: Digests) -> AnalyzerResult:
        mime_magic, text_magic, plain_text_magic = _magic()
        head = self._head[:MAGIC_BYTES]
        try:
            mime = mime_magic.from_buffer(head)
            describe = plain_text_magic if mime == "text/plain" else text_magic
            description = describe.from_buffer(head)
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
