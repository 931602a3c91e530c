"""MIME type from content, and whether the file's extension contradicts it.

An examiner cares less about what a file claims to be than about what it is:
a photo renamed ``notes.txt`` or a program renamed ``holiday.jpg`` is a classic
way to hide material from someone browsing a folder. libmagic names the content
from its first bytes (the ``head`` the engine hands over, so no extra read);
the extension's expected types come from a maintained table, Debian's
``/etc/mime.types`` (package ``media-types``) on top of Python's own, rather
than a list kept here.
"""
from __future__ import annotations

import functools
import mimetypes
from pathlib import Path

import magic

from forensix import magicdb
from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry

NAME = "filetype"
VERSION = "1.0.0"
DESCRIPTION = "MIME type and description from content (libmagic); flags extensions that contradict it."

SYSTEM_MIME_TYPES = Path("/etc/mime.types")
"""Debian's media-types table; Python's built-in table alone lacks many camera and office types."""

_UNKNOWN = frozenset({"application/octet-stream", "application/x-empty", "inode/x-empty"})
"""What libmagic says when it cannot tell, and what tables map 'any binary' to: never a mismatch."""

_ALIASES: tuple[frozenset[str], ...] = (
    # Same format under another name: libmagic and mime.types do not always agree.
    frozenset({"image/jpeg", "image/pjpeg"}),  # pjpeg: old IE name for progressive JPEG
    frozenset({"image/bmp", "image/x-ms-bmp"}),
    frozenset({"image/vnd.microsoft.icon", "image/x-icon"}),
    frozenset({"application/vnd.rar", "application/x-rar", "application/x-rar-compressed"}),
    frozenset({"application/gzip", "application/x-gzip", "application/x-gtar-compressed"}),  # .tgz is gzip content
    # Windows PE: libmagic says x-dosexec or vnd.microsoft.portable-executable; tables say x-msdos-program.
    frozenset({"application/x-dosexec", "application/vnd.microsoft.portable-executable",
               "application/x-msdos-program", "application/x-msdownload"}),
    # OLE2 compound files: libmagic falls back to CDFV2/x-ole-storage when the streams do not name the program.
    frozenset({"application/x-ole-storage", "application/cdfv2", "application/msword",
               "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/vnd.ms-outlook",
               "application/x-msi", "application/vnd.visio"}),
    # ISO base media files share one container and overlapping brands (an iPhone .MOV may be 'mp4').
    frozenset({"video/mp4", "video/quicktime", "audio/mp4", "audio/x-m4a", "video/3gpp", "video/x-m4v"}),
    # Camera raw formats are TIFF inside; libmagic often says image/tiff.
    frozenset({"image/tiff", "image/x-canon-cr2", "image/x-nikon-nef", "image/x-adobe-dng", "image/x-sony-arw",
               "image/x-olympus-orf", "image/x-panasonic-rw2", "image/x-pentax-pef", "image/x-samsung-srw",
               "image/x-sony-sr2", "image/x-sony-srf", "image/x-epson-erf", "image/x-kodak-dcr"}),
)
_FAMILY: dict[str, frozenset[str]] = {mime: family for family in _ALIASES for mime in family}

_TEXT_APPLICATION = frozenset({
    "application/json", "application/xml", "application/javascript", "application/ecmascript",
    "application/x-sh", "application/x-csh", "application/x-perl", "application/x-php",
    "application/x-httpd-php", "application/csv", "application/mbox", "application/rtf",
})
"""Textual types filed under ``application/`` by the tables or by libmagic."""

_BINARY_MAJOR = ("image/", "audio/", "video/", "font/")
"""Major types whose extensions promise binary content: text under them is a mismatch.

Text under an ``application/*`` extension is not flagged: plenty of text formats
are filed there (.srt, .pem, .ics; .bat shares x-msdos-program with .exe)."""

_ZIP_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.",
    "application/vnd.ms-word.", "application/vnd.ms-excel.", "application/vnd.ms-powerpoint.",
)
_ZIP_TYPES = frozenset({
    "application/zip", "application/java-archive", "application/vnd.android.package-archive",
    "application/x-xpinstall", "application/vnd.google-earth.kmz",
})


def _is_text(mime: str) -> bool:
    return (mime.startswith(("text/", "message/")) or mime.endswith(("+xml", "+json"))
            or mime in _TEXT_APPLICATION)


def _is_zip(mime: str) -> bool:
    """Zip-based formats (docx, xlsx, odt, jar, apk, epub): their content is a zip."""
    return mime in _ZIP_TYPES or mime.endswith("+zip") or mime.startswith(_ZIP_PREFIXES)


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


@functools.cache
def _extension_types() -> dict[str, frozenset[str]]:
    """Extension (lower case, no dot) -> every MIME type a table gives it."""
    table = mimetypes.MimeTypes()
    if SYSTEM_MIME_TYPES.is_file():
        table.read(str(SYSTEM_MIME_TYPES))
    by_ext: dict[str, set[str]] = {}
    for inverse in table.types_map_inv:
        for mime, extensions in inverse.items():
            for ext in extensions:
                by_ext.setdefault(ext.lstrip(".").lower(), set()).add(mime.lower())
    return {ext: frozenset(types) for ext, types in by_ext.items()}


def extension_mismatch(extension: str, content_mime: str) -> bool:
    """True when ``extension`` promises something other than ``content_mime``.

    Unknown content, unknown extensions and extensions that only mean 'binary'
    (``.bin``) never count: a mismatch must be a contradiction, not a doubt.
    """
    content = content_mime.lower()
    expected = _extension_types().get(extension.lower(), frozenset()) - _UNKNOWN
    if not extension or content in _UNKNOWN or not expected:
        return False
    if _is_text(content):
        return not any(_is_text(e) for e in expected) and all(
            e.startswith(_BINARY_MAJOR) or _is_zip(e) for e in expected)
    if _is_zip(content) and any(_is_zip(e) for e in expected) and (
            content == "application/zip" or "application/zip" in expected):
        # libmagic sees many Office/jar/apk files as a bare zip; a docx named .zip is still a zip.
        return False
    family = _FAMILY.get(content, frozenset({content}))
    return not any(family & _FAMILY.get(e, frozenset({e})) for e in expected)


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
