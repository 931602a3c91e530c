"""Media types by format family: does a file's extension contradict its content?

A photo renamed ``notes.txt`` or a program renamed ``holiday.jpg`` is a classic
way to hide material, so ``extension_mismatch`` must fire on every real
contradiction; and an examiner stops reading a flag that is usually wrong, so
it must not fire where libmagic and an extension table merely name the same
format differently (``image/x-pcx`` and ``image/vnd.zbrush.pcx``, OS/2 bitmaps
named ``.bmp``, ``video/3gpp`` content in a ``.mp4``, a CR2 named ``.tif``).

Both halves come from maintained tables, not from a list kept here:

* freedesktop.org shared-mime-info (Debian ``shared-mime-info``), as compiled
  by ``update-mime-database`` in ``/usr/share/mime``: ``aliases`` (names of the
  same type), ``subclasses`` (a CR2 is a TIFF, a DOCX is a zip, an SVG is
  text) and ``globs2`` (extensions of each type);
* Debian's ``/etc/mime.types`` (package ``media-types``) for extensions
  shared-mime-info does not know;
* libmagic's own database: each entry of ``magic.mgc`` that names a MIME type
  may list the extensions of that content (``!:ext`` in the magic source), so
  a type only libmagic uses (``application/x-dosexec``: exe, com, sys ...) is
  still tied to its extensions.

Two types are one family when the subclass relations connect them, through
any chain that does not pass through a generic container (plain text, XML,
any data): a CR2 and a NEF are both TIFF, a DOCX and an XLSX both zip, DOC
and XLS both OLE2, as the format-family checks of the picture corpus count
them. A few relations no table states are in ``_UNSTATED``, each with its
reason, joined into the families. Content libmagic cannot name, an extension
no table knows, and content whose type no table knows and whose major type
(``image/``, ``audio/`` ...) is the extension's are never a mismatch: a flag
must be a contradiction, not a doubt. Nor is an extension whose formats no content detector can recognise
(neither libmagic nor shared-mime-info has a signature for any format of
its family): ``.psb`` is a Photoshop large document to everyone but the IANA
registry, whose only ``.psb`` is a 3GPP picture format nothing detects.
"""
from __future__ import annotations

import functools
import mimetypes
import re
from pathlib import Path

from forensix import magicdb

MIME_DIR = Path("/usr/share/mime")
SYSTEM_MIME_TYPES = Path("/etc/mime.types")

UNKNOWN = frozenset({"application/octet-stream", "application/x-empty", "inode/x-empty", "inode/blockdevice",
                     "inode/chardevice", "inode/directory", "inode/fifo", "inode/socket", "inode/symlink"})
"""What libmagic says when it cannot tell, and what tables map 'any binary' to: never a mismatch."""

_GENERIC_PARENTS = frozenset({"application/octet-stream", "text/plain", "application/xml", "application/x-executable",
                              "image/x-dcraw"})
"""What unrelated formats are built on or filed under (every script is an x-executable, every camera
raw an x-dcraw, be it TIFF, CIFF, ISO media or Fuji's own): sharing one does not make two types one family."""

_UNSTATED: tuple[frozenset[str], ...] = (
    # QuickTime is the ancestor of ISO base media; files of the one carry brands of the other
    # (an iPhone .MOV may be 'mp42', an audio-only .mp4 is audio/mp4); a CR3 is ISO base media too.
    frozenset({"video/mp4", "video/quicktime", "audio/mp4", "video/3gpp", "video/3gpp2", "application/mp4",
               "image/x-canon-cr3"}),
    # Olympus ORF and Panasonic RW2 are TIFF under magic numbers of their own (IIRO, IIU); the tables
    # file them under camera raw only.
    frozenset({"image/tiff", "image/x-olympus-orf", "image/x-panasonic-rw2", "image/x-panasonic-raw"}),
    # AVIF is a HEIF image (MIAF) whose pictures are AV1; the tables list them apart.
    frozenset({"image/heif", "image/avif", "image/avci"}),
    # JPEG 2000: the JP2/JPX/JPM files and the bare codestream are one coding.
    frozenset({"image/jp2", "image/jpx", "image/jpm", "image/x-jp2-codestream", "video/mj2"}),
    # WebM is a Matroska profile.
    frozenset({"video/x-matroska", "audio/x-matroska", "video/webm", "audio/webm"}),
    # APNG is a PNG with animation chunks, readable as a PNG.
    frozenset({"image/png", "image/apng"}),
    # Illustrator files since version 9 are PDF documents; the tables know them as their own type.
    frozenset({"application/illustrator", "application/pdf"}),
    # Windows icons and cursors hold bitmaps, and OS/2 bitmap arrays are named .bmp or .ico.
    frozenset({"image/bmp", "image/vnd.microsoft.icon", "image/x-win-bitmap"}),
    # OLE2 compound files: libmagic names them from the first stream it recognises, often not the program's.
    frozenset({"application/x-ole-storage", "application/msword", "application/vnd.ms-excel",
               "application/vnd.ms-powerpoint", "application/vnd.ms-outlook", "application/x-msi",
               "application/vnd.visio", "application/cdfv2"}),
    # ELF: libmagic names an executable, a shared library, an object or a core file by its e_type.
    frozenset({"application/x-executable", "application/x-sharedlib", "application/x-object",
               "application/x-pie-executable", "application/x-coredump"}),
    # DOS/Windows executables: each table has its own name (.exe, .dll, .sys, .com).
    frozenset({"application/x-ms-dos-executable", "application/x-msdos-program", "application/x-dosexec",
               "application/vnd.microsoft.portable-executable", "application/x-msdownload"}),
)
"""Relations no table states, each with its reason; joined into the families below."""

_TOKEN = re.compile(r"[a-z0-9]+")
_NOISE_TOKENS = frozenset({"x", "vnd", "ms", "application", "image", "audio", "video", "text", "hx"})


def _read_lines(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.split(":") if ":" in line else line.split() for line in text.splitlines()
            if line and not line.startswith("#")]


@functools.cache
def _aliases() -> dict[str, str]:
    """Alias -> canonical name (lower case)."""
    return {pair[0].lower(): pair[1].lower() for pair in _read_lines(MIME_DIR / "aliases") if len(pair) == 2}


def canonical(mime: str) -> str:
    mime = mime.lower()
    return _aliases().get(mime, mime)


@functools.cache
def _parents() -> dict[str, frozenset[str]]:
    parents: dict[str, set[str]] = {}
    for pair in _read_lines(MIME_DIR / "subclasses"):
        if len(pair) == 2:
            parents.setdefault(canonical(pair[0]), set()).add(canonical(pair[1]))
    return {mime: frozenset(p) for mime, p in parents.items()}


@functools.cache
def ancestors(mime: str) -> frozenset[str]:
    """Every type ``mime`` is a subclass of, however indirectly (text types reach text/plain)."""
    seen: set[str] = set()
    todo = [canonical(mime)]
    if todo[0].startswith("text/"):
        todo.append("text/plain")
    while todo:
        for parent in _parents().get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return frozenset(seen)


@functools.cache
def _components() -> dict[str, str]:
    """Type -> a representative of its family: the subclass graph's connected components,
    generic containers left out."""
    root: dict[str, str] = {}

    def find(mime: str) -> str:
        while root.setdefault(mime, mime) != mime:
            root[mime] = root[root[mime]]
            mime = root[mime]
        return mime

    for mime, parents in _parents().items():
        for parent in parents - _GENERIC_PARENTS:
            root[find(mime)] = find(parent)
    for row in _UNSTATED:
        first, *rest = (canonical(mime) for mime in row)
        for mime in rest:
            root[find(mime)] = find(first)
    return {mime: find(mime) for mime in root}


def family(mime: str) -> str:
    return _components().get(mime, mime)


@functools.cache
def _detectable_families() -> frozenset[str]:
    """Families of which libmagic or shared-mime-info recognise at least one type by content."""
    try:
        magic = (MIME_DIR / "magic").read_bytes()
    except OSError:
        magic = b""
    signed = {canonical(m.decode("latin-1")) for m in re.findall(rb"\n\[\d+:([^\]\n]+)\]\n", b"\n" + magic)}
    return frozenset(family(m) for m in signed | _libmagic_types())


def _detectable(mime: str) -> bool:
    """Whether content detection could recognise a file of this type: a signature for its
    family, or text (libmagic would have said text)."""
    return family(mime) in _detectable_families() or _is_text(mime)


@functools.cache
def _known_types() -> frozenset[str]:
    """Every type the tables (or ``_UNSTATED``) relate to something."""
    return frozenset(_aliases()) | frozenset(_aliases().values()) | frozenset(_components()) \
        | frozenset(t for types in _extension_types().values() for t in types)


@functools.cache
def _extension_types() -> dict[str, frozenset[str]]:
    """Extension (lower case, no dot) -> the canonical types the tables give it."""
    by_ext: dict[str, set[str]] = {}
    for fields in _read_lines(MIME_DIR / "globs2"):
        if len(fields) >= 3 and re.fullmatch(r"\*\.[^*?\[\]]+", fields[2]):
            by_ext.setdefault(fields[2][2:].lower(), set()).add(canonical(fields[1]))
    table = mimetypes.MimeTypes()
    if SYSTEM_MIME_TYPES.is_file():
        table.read(str(SYSTEM_MIME_TYPES))
    for inverse in table.types_map_inv:
        for mime, extensions in inverse.items():
            for ext in extensions:
                by_ext.setdefault(ext.lstrip(".").lower(), set()).add(canonical(mime))
    return {ext: frozenset(types) for ext, types in by_ext.items()}


@functools.cache
def _libmagic_extensions() -> dict[str, frozenset[str]]:
    """Type -> the extensions libmagic's entries for that type list (possibly none), from
    :mod:`forensix.magicdb`'s reading of ``magic.mgc`` (each entry's ``!:mime`` and ``!:ext``,
    continuations included). A database it cannot read gives an empty table, which only
    makes the judgement more cautious."""
    found: dict[str, set[str]] = {}
    stack = list(magicdb.entries() or ())
    while stack:
        entry = stack.pop()
        stack.extend(entry.children)
        if "/" in entry.mime:
            found.setdefault(canonical(entry.mime), set()).update(entry.extensions)
    return {mime: frozenset(exts) for mime, exts in found.items()}


def _libmagic_types() -> frozenset[str]:
    return frozenset(_libmagic_extensions())


def _family_candidates(content: str) -> frozenset[str]:
    """The canonical types the content may stand for: itself when a table knows it,
    else the types of the extensions libmagic gives it, else of the extensions
    its name spells (``audio/x-hx-aac-adts``: aac, adts); empty when nothing does."""
    if content in _known_types():
        return frozenset({content})
    table = _extension_types()
    by_libmagic = _libmagic_extensions().get(content, frozenset())
    tokens = by_libmagic or frozenset(_TOKEN.findall(content.split("/", 1)[-1])) - _NOISE_TOKENS
    major = content.split("/", 1)[0]
    return frozenset(t for ext in tokens for t in table.get(ext, ()) if by_libmagic or t.startswith(major + "/"))


def _is_text(mime: str) -> bool:
    return mime.startswith("text/") or "text/plain" in ancestors(mime)


def extension_mismatch(extension: str, content_mime: str) -> bool:
    """True when ``extension`` promises a format family ``content_mime`` is not in."""
    extension = extension.lower()
    content = canonical(content_mime)
    if not extension or content in UNKNOWN or content.startswith("inode/"):
        return False
    if extension in _libmagic_extensions().get(content, ()):
        return False
    expected = _extension_types().get(extension, frozenset()) - UNKNOWN
    if not expected or not any(_detectable(e) for e in expected):
        return False
    if _is_text(content) and any(_is_text(e) for e in expected):
        return False
    if all(_is_text(e) for e in expected) and not _is_text(content) and not content.endswith(("+xml", "+json")):
        return True  # a format libmagic recognised, where only text belongs
    candidates = _family_candidates(content)
    if not candidates:  # a name no table knows: only another major type is a contradiction
        return all(e.split("/", 1)[0] != content.split("/", 1)[0] for e in expected)
    return not {family(c) for c in candidates} & {family(e) for e in expected}
