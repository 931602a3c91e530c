"""When libmagic's database cannot name a file, ask it only the cheap questions.

libmagic names a file by trying the thousands of entries of its compiled
database ("soft" magic) after a few built-in tests (text encodings, JSON, CSV,
tar, OLE2). The soft pass costs 200 µs to 1.5 ms a call however small the head
(measured with file 5.44 on 1 KiB of random bytes and of text), which on a disk
of small files costs more than hashing them. Most files either start with a
signature libmagic knows or match nothing at all.

So we read libmagic's own database (``magic.mgc``) once and index its
top-level binary tests by the bytes they expect at their offsets. For a head,
:meth:`MagicIndex.could_match` answers conservatively: ``False`` only when no
binary entry can match (every test it cannot evaluate counts as a possible
match, bytes past the head count as zeros as libmagic reads them), and then
libmagic's built-in tests alone (``MAGIC_NO_CHECK_SOFT``) give the same answer
as the full run. Text formats whose only sign is a regular expression in the
text tests (source code without a ``#!`` line, makefiles) are left to the text
tests' fixed strings and searches; such files are named by encoding and line
structure ("ASCII text"), never as something they are not.

Where a few indexed tests could match (a JPEG's, or those of the hundred formats
a random first byte starts), libmagic runs on a database of just those and the
tests not indexed (:meth:`MagicIndex.subset`): the others cannot match, so the
first match, and the answer, is the same. A test that runs ``indirect`` hands
part of the head back to the whole database, which then names it.

A database whose layout this module does not know (another libmagic version)
gives no index, and every file gets the full libmagic run, as before.
"""
from __future__ import annotations

import functools
import re
import struct
from dataclasses import dataclass
from pathlib import Path

ENTRY = 376
MAGICNO = 0xF11E041C
VERSION = 18
DATABASES = (Path("/usr/lib/file/magic.mgc"), Path("/usr/share/misc/magic.mgc"), Path("/usr/share/file/magic.mgc"))

# struct magic flags and types (file.h, libmagic 5.3x-5.4x)
INDIR, OFFADD, INDIROFFADD, UNSIGNED = 0x01, 0x02, 0x04, 0x08
BINTEST, TEXTTEST = 0x20, 0x40
_NUMERIC = {1: ("B", 1), 2: ("<H", 2), 4: ("<I", 4), 24: ("<Q", 8), 7: (">H", 2), 8: (">I", 4), 26: (">Q", 8),
            10: ("<H", 2), 11: ("<I", 4), 25: ("<Q", 8)}
STRING, PSTRING, REGEX, BESTRING16, LESTRING16, SEARCH = 5, 13, 17, 18, 19, 20
INDIRECT, NAME, USE, CLEAR, DER, GUID = 41, 45, 46, 47, 48, 49
_COMPACT = 0x01 | 0x02           # W, w: white space in the pattern matches runs of it
_FOLD = 0x04 | 0x08              # c, C: case-insensitive letters
REGEX_MAX = 8192
"""libmagic's MAGIC_PARAM_REGEX_MAX: a regular expression never looks further than this."""

NO, MAYBE = 0, 1


@dataclass(frozen=True, slots=True)
class Entry:
    index: int
    """Position in the database (0 = first entry after the header)."""
    end: int
    """Position after its last continuation."""
    level: int
    flag: int
    reln: str
    type: int
    offset: int
    mask: int
    str_range: int
    str_flags: int
    value: bytes
    prints: bool
    """It has a description or a MIME type of its own."""
    mime: str
    """Its own MIME type (``!:mime``), empty when it has none."""
    extensions: tuple[str, ...]
    """Its own extensions (``!:ext``), lower case."""
    children: tuple["Entry", ...]


def _parse(data: bytes) -> list[Entry] | None:
    if len(data) < ENTRY or len(data) % ENTRY:
        return None
    magic, version = struct.unpack_from("<II", data, 0)
    if magic != MAGICNO or version != VERSION:
        return None
    flat = []
    for index, at in enumerate(range(ENTRY, len(data), ENTRY)):
        level, flag, _factor, reln, vallen, type_ = struct.unpack_from("<HBBBBB", data, at)
        offset, = struct.unpack_from("<i", data, at + 12)
        mask, = struct.unpack_from("<Q", data, at + 24)
        value = data[at + 32:at + 160]
        mime = _text(data, at + 224, 80) if data[at + 224] else ""  # then the Apple type (8), the extensions (64)
        prints = data[at + 160] != 0 or bool(mime)  # a description or a MIME type
        extensions = tuple(e for e in _text(data, at + 312, 64).lower().split("/") if e) if data[at + 312] else ()
        flat.append((index, level, flag, chr(reln) if reln > 32 else "=", type_, offset, mask, vallen, value,
                     prints, mime, extensions))
    return _tree(flat)


def _text(data: bytes, at: int, size: int) -> str:
    """A NUL-terminated field of a record."""
    return data[at:at + size].split(b"\0", 1)[0].decode("latin-1")


def _tree(flat: list[tuple]) -> list[Entry]:
    """Top-level entries with their continuations (``>`` levels) nested under them."""
    def build(i: int) -> tuple[Entry, int]:
        index, level, flag, reln, type_, offset, mask, vallen, value, prints, mime, extensions = flat[i]
        children = []
        j = i + 1
        while j < len(flat) and flat[j][1] > level:
            child, j = build(j)
            children.append(child)
        is_string = type_ in (STRING, PSTRING, REGEX, BESTRING16, LESTRING16, SEARCH, NAME, USE, DER)
        entry = Entry(index, j, level, flag, reln, type_, offset, mask, mask & 0xFFFFFFFF, mask >> 32,
                      value[:vallen] if is_string else value, prints, mime, extensions, tuple(children))
        return entry, j

    out, i = [], 0
    while i < len(flat):
        entry, i = build(i)
        out.append(entry)
    return out



def _at(head: bytes, offset: int, length: int) -> bytes | None:
    """The bytes a test reads, or None past the end of the head: libmagic fails a test that
    would read past the buffer (``OFFSET_OOB`` in softmagic.c)."""
    return head[offset:offset + length] if 0 <= offset and offset + length <= len(head) else None


class _Eval:
    """Evaluates entries against one head. ``base`` shifts the offsets inside a named
    subroutine (``use``); ``None`` means the offset is not known (relative or indirect),
    and then a literal is looked for anywhere in the head and numbers always may match."""

    def __init__(self, head: bytes, names: dict[bytes, "Entry"]) -> None:
        self.head = head
        self.names = names
        self._using: set[bytes] = set()

    def could_print(self, entry: "Entry", base: int | None = 0) -> bool:
        """Whether this entry, or one of its continuations, could produce a name for the head."""
        if entry.type == USE:
            return self._use(entry, base)
        if self.test(entry, base) == NO:
            return False
        return entry.prints or any(self.could_print(child, base) for child in entry.children)

    def _use(self, entry: "Entry", base: int | None) -> bool:
        name = entry.value
        target = self.names.get(name.lstrip(b"^"))
        if entry.prints or target is None or name in self._using:
            return True
        at = None if base is None or entry.flag & (INDIR | OFFADD | INDIROFFADD) else base + entry.offset
        if name.startswith(b"^"):
            at = None  # the subroutine read with the other byte order
        self._using.add(name)
        try:
            return (any(self.could_print(child, at) for child in target.children)
                    or any(self.could_print(child, base) for child in entry.children))
        finally:
            self._using.discard(name)

    def test(self, entry: "Entry", base: int | None) -> int:
        """``NO`` when the entry's own test certainly fails on the head, else ``MAYBE``."""
        kind = entry.type
        if kind in (NAME, CLEAR):
            return NO  # a subroutine's definition, or a reset: never output by itself
        known = base is not None and not entry.flag & (INDIR | OFFADD | INDIROFFADD) and base + entry.offset >= 0
        if kind in _NUMERIC:
            return self._numeric(entry, base + entry.offset) if known else MAYBE
        if kind in (STRING, SEARCH, PSTRING, REGEX, LESTRING16, BESTRING16):
            if entry.reln not in "=<>" or (entry.reln != "=" and kind != STRING):
                return MAYBE
            if not known:
                return self._anywhere(entry)
            offset = base + entry.offset
            if kind == STRING:
                return self._string(entry, offset)
            if kind == SEARCH:
                return self._search(entry, offset)
            if kind == PSTRING:
                return self._pstring(entry, offset)
            if kind == REGEX:
                return self._regex(entry, offset)
            return self._string16(entry, offset)
        if kind == GUID and known:
            return MAYBE if _at(self.head, base + entry.offset, 16) == entry.value[:16] else NO
        if kind == DER and known:
            tag = {b"seq": b"\x30", b"set": b"\x31"}.get(entry.value[:3])
            if tag is not None:
                return MAYBE if _at(self.head, base + entry.offset, 1) == tag else NO
        return MAYBE

    def _numeric(self, entry: "Entry", offset: int) -> int:
        fmt, size = _NUMERIC[entry.type]
        raw = _at(self.head, offset, size)
        if raw is None:
            return NO
        value = struct.unpack(fmt, raw)[0]
        if entry.mask:
            value &= entry.mask
        expected = struct.unpack_from("<Q", entry.value, 0)[0] & ((1 << (8 * size)) - 1)
        reln = entry.reln
        if reln == "=":
            return MAYBE if value == expected else NO
        if reln == "!":
            return MAYBE if value != expected else NO
        if reln == "&":
            return MAYBE if value & expected == expected else NO
        if reln == "^":
            return MAYBE if value & expected != expected else NO
        if reln in "<>":
            if not entry.flag & UNSIGNED:
                value, expected = _signed(value, size), _signed(expected, size)
            return MAYBE if (value < expected if reln == "<" else value > expected) else NO
        return MAYBE  # 'x' and anything else

    def _string(self, entry: "Entry", offset: int) -> int:
        pattern, fold = _pattern(entry)
        if not pattern:
            return MAYBE
        if _at(self.head, offset, len(entry.value)) is None:
            return NO
        if entry.str_flags & _COMPACT:  # white space may stretch: the literal starts near the offset
            region = self.head[offset:offset + 4 * len(entry.value) + 64]
            return MAYBE if (pattern.lower() in region.lower() if fold else pattern in region) else NO
        found = self.head[offset:offset + len(pattern)]
        if fold:
            found, pattern = found.lower(), pattern.lower()
        if entry.reln == "=":
            return MAYBE if found == pattern else NO
        if fold or entry.str_flags & _COMPACT:
            return MAYBE
        return MAYBE if (found < pattern if entry.reln == "<" else found > pattern) else NO

    def _search(self, entry: "Entry", offset: int) -> int:
        pattern, fold = _pattern(entry)
        if not pattern:
            return MAYBE
        if _at(self.head, offset, len(entry.value)) is None:
            return NO
        end = len(self.head) if not entry.str_range else offset + entry.str_range + len(entry.value) * 4
        region = self.head[offset:end]
        if fold:
            region, pattern = region.lower(), pattern.lower()
        return MAYBE if pattern in region else NO

    def _pstring(self, entry: "Entry", offset: int) -> int:
        """A length-prefixed string: the text follows a length of 1, 2 or 4 bytes."""
        pattern, fold = _pattern(entry)
        if not pattern:
            return MAYBE
        for width in (1, 2, 4):
            found = _at(self.head, offset + width, len(pattern))
            if found is not None and ((found.lower() == pattern.lower()) if fold else found == pattern):
                return MAYBE
        return NO

    def _regex(self, entry: "Entry", offset: int) -> int:
        """libmagic runs a regular expression on a C string: the text from the offset up to
        the first NUL byte, at most ``REGEX_MAX`` bytes; the pattern too ends at a NUL."""
        if offset > len(self.head):
            return NO
        compiled = _compile_regex(entry.value, bool(entry.str_flags & _FOLD))
        if compiled is None:
            return MAYBE
        end = self.head.find(b"\0", offset, offset + REGEX_MAX)
        return MAYBE if compiled.search(self.head, offset, end if end >= 0 else offset + REGEX_MAX) else NO

    def _string16(self, entry: "Entry", offset: int) -> int:
        encoded = entry.value.decode("latin-1").encode("utf-16-le" if entry.type == LESTRING16 else "utf-16-be")
        return MAYBE if _at(self.head, offset, len(encoded)) == encoded else NO

    def _anywhere(self, entry: "Entry") -> int:
        """Where the offset is not known: a literal that appears nowhere in the head cannot match
        (libmagic fails a test that reads past the end of the buffer)."""
        if entry.type == REGEX:
            compiled = _compile_regex(entry.value, bool(entry.str_flags & _FOLD))
            return MAYBE if compiled is None or compiled.search(self.head) else NO
        pattern, fold = _pattern(entry)
        if entry.type in (LESTRING16, BESTRING16):
            pattern = pattern.decode("latin-1").encode("utf-16-le" if entry.type == LESTRING16 else "utf-16-be")
        if not pattern or entry.reln != "=":
            return MAYBE
        head = self.head.lower() if fold else self.head
        return MAYBE if (pattern.lower() if fold else pattern) in head else NO


def _signed(value: int, size: int) -> int:
    top = 1 << (8 * size - 1)
    return value - 2 * top if value & top else value


def _pattern(entry: "Entry") -> tuple[bytes, bool]:
    """The part of a string pattern that must appear literally, and whether to fold case."""
    pattern = entry.value
    if entry.str_flags & _COMPACT:
        pattern = max(pattern.split(), key=len, default=b"")
    return pattern, bool(entry.str_flags & _FOLD)


@functools.lru_cache(maxsize=None)
def _compile_regex(pattern: bytes, fold: bool) -> re.Pattern[bytes] | None:
    """A POSIX extended expression as Python's re reads it, or None where the translation is unsure."""
    translated = pattern.split(b"\0", 1)[0]
    for posix, python in ((b"[:space:]", rb"\s"), (b"[:alpha:]", b"A-Za-z"), (b"[:digit:]", b"0-9"),
                          (b"[:alnum:]", b"A-Za-z0-9"), (b"[:upper:]", b"A-Z"), (b"[:lower:]", b"a-z"),
                          (b"[:print:]", b"\\x20-\\x7e"), (b"[:xdigit:]", b"0-9A-Fa-f"),
                          (b"[:punct:]", b"!-/:-@[-`{-~")):
        translated = translated.replace(posix, python)
    if b"[:" in translated:
        return None
    try:
        return re.compile(translated, re.MULTILINE | (re.IGNORECASE if fold else 0))
    except re.error:
        return None


def _index_key(entry: Entry) -> tuple[int, bytes, bool] | None:
    """``(position, bytes, folded)``: what the head must hold at ``position`` (compared in lower
    case when ``folded``) for this top-level entry to match, where its test starts with fixed
    bytes at a known offset; ``None`` where it does not."""
    if entry.flag & (INDIR | OFFADD | INDIROFFADD) or entry.offset < 0 or entry.reln != "=":
        return None
    if entry.type in (STRING, SEARCH) and entry.value and (entry.type == STRING or entry.str_range == 1):
        value, fold = entry.value, bool(entry.str_flags & _FOLD)
        if entry.str_flags & _COMPACT:
            value = value[:1] if not value[:1].isspace() else b""
        if value:
            return entry.offset, (value[:2].lower() if fold else value[:2]), fold
        return None
    if entry.type == GUID:
        return entry.offset, entry.value[:2], False
    if entry.type == DER and entry.value[:3] == b"seq":
        return entry.offset, b"\x30", False
    if entry.type in _NUMERIC:
        fmt, size = _NUMERIC[entry.type]
        expected = struct.unpack_from("<Q", entry.value, 0)[0] & ((1 << (8 * size)) - 1)
        raw = struct.pack(fmt, expected)
        mask = struct.pack(fmt, entry.mask & ((1 << (8 * size)) - 1)) if entry.mask else b"\xff" * size
        for i in range(size):  # the first byte the mask keeps whole, with the next one if it is whole too
            if mask[i] == 0xFF:
                key = raw[i:i + 2] if i + 1 < size and mask[i + 1] == 0xFF else raw[i:i + 1]
                return entry.offset + i, key, False
    return None


class MagicIndex:
    """libmagic's top-level tests of one kind (binary or text), indexed by the bytes they expect.

    ``starts_only`` keeps only the tests of what a head holds at a fixed place (strings at an
    offset, searches of a single position): the text tests' searches over kilobytes and their
    regular expressions are what make libmagic slow on text, and are left out there. Binary
    tests that cannot be indexed are searches (evaluated here) or tests of indirect offsets and
    relations, put in a small database of their own (:attr:`others`), which libmagic runs itself
    in microseconds.
    """

    def __init__(self, entries: list[Entry], kind: int, starts_only: bool = False,
                 database: bytes | None = None) -> None:
        self.names = {e.value: e for e in entries if e.type == NAME}
        self._by_index: dict[int, Entry] = {}
        tables: dict[tuple[int, int, bool], dict[bytes, list[Entry]]] = {}
        others: list[Entry] = []
        self._evaluated: list[Entry] = []
        for entry in entries:
            if entry.level or not entry.flag & kind:
                continue
            key = _index_key(entry)
            if key is not None:
                position, expected, fold = key
                tables.setdefault((position, len(expected), fold), {}).setdefault(expected, []).append(entry)
                self._by_index[entry.index] = entry
            elif starts_only:
                continue
            elif entry.type in (REGEX, SEARCH):
                # libmagic compiles a regular expression on every call, and searches byte by
                # byte (case-folded searches of kilobytes cost it 30 us); Python does both at once
                self._evaluated.append(entry)
                self._by_index[entry.index] = entry
            else:
                others.append(entry)
                self._by_index[entry.index] = entry
        checks = {e.index: _search_check(e) for e in self._evaluated if e.type == SEARCH}
        self._searches = tuple(check for check in checks.values() if check is not None)
        self._evaluated = [e for e in self._evaluated if checks.get(e.index) is None]
        self._lower_to = max((check[2] for check in self._searches if check[4]), default=0)
        by_position: dict[int, list[tuple[int, bool, dict[bytes, list[Entry]]]]] = {}
        for (position, length, fold), table in sorted(tables.items()):
            by_position.setdefault(position, []).append((length, fold, table))
        self._positions = tuple((position, _first_bytes(group), tuple(group))
                                for position, group in sorted(by_position.items()))
        self._database = database
        self._others = others
        self._indirect_others = tuple(entry for entry in others if self.runs_indirect((entry,)))
        """Tests not indexed that may hand part of the head to the whole database (firmware
        headers whose payload is read as a file of its own): judged here, as candidates."""
        self.others = _subset(database, others, self._used_names(others)) if database else None
        """A compiled database of the tests not indexed here, with the named subroutines they use."""

    def candidates(self, head: bytes) -> list[Entry]:
        """The indexed tests whose expected bytes the head holds, and the searches."""
        size = len(head)
        found: list[Entry] = []
        for position, firsts, group in self._positions:
            if position >= size:
                break  # in order of position
            if head[position] not in firsts:
                continue
            for length, fold, table in group:
                if position + length <= size:
                    piece = head[position:position + length]
                    hits = table.get(piece.lower() if fold else piece)
                    if hits:
                        found += hits
        return found + self._evaluated

    def possible(self, head: bytes, first_only: bool = False) -> list[Entry]:
        """The indexed tests and searches that could name the head (with ``first_only``, at
        most one: enough to know that some could)."""
        evaluate = None
        found: list[Entry] = []
        for entry in self.candidates(head):
            evaluate = evaluate or _Eval(head, self.names)
            if evaluate.could_print(entry):
                found.append(entry)
                if first_only:
                    return found
        lowered = head[:self._lower_to].lower() if self._lower_to else b""
        for entry, start, end, pattern, fold in self._searches:
            if len(head) >= start + len(entry.value) and (lowered if fold else head).find(pattern, start, end) >= 0:
                evaluate = evaluate or _Eval(head, self.names)
                if evaluate.could_print(entry):
                    found.append(entry)
                    if first_only:
                        return found
        for entry in self._indirect_others:
            evaluate = evaluate or _Eval(head, self.names)
            if evaluate.could_print(entry):
                found.append(entry)
                if first_only:
                    return found
        return found

    def could_match(self, head: bytes) -> bool:
        """Whether an indexed test or a search could name the head."""
        return bool(self.possible(head, first_only=True))

    def entry(self, index: int) -> Entry:
        """The indexed test or search at this position of the database."""
        return self._by_index[index]

    def subset(self, tests: tuple[Entry, ...]) -> bytes:
        """A compiled database of these indexed tests with the tests not indexed here and the
        named subroutines they use: for a head on which no other indexed test could match,
        libmagic's answer on it is its answer on the whole database."""
        assert self._database is not None
        chosen = {entry.index for entry in tests}
        tests = (*tests, *(entry for entry in self._others if entry.index not in chosen))
        return _subset(self._database, list(tests), self._used_names(list(tests)))

    def runs_indirect(self, tests: tuple[Entry, ...]) -> bool:
        """Whether one of these tests may hand part of the head back to the whole database
        (``indirect``: a JPEG's EXIF block read as a TIFF file), which a subset cannot answer."""
        stack = [*tests, *self._used_names(list(tests))]
        while stack:
            entry = stack.pop()
            if entry.type == INDIRECT:
                return True
            stack.extend(entry.children)
        return False

    def _used_names(self, tests: list[Entry]) -> list[Entry]:
        """The named subroutines these tests call, and those they call in turn."""
        found: dict[bytes, Entry] = {}
        stack = list(tests)
        while stack:
            entry = stack.pop()
            if entry.type == USE:
                target = self.names.get(entry.value.lstrip(b"^"))
                if target is not None and target.value not in found:
                    found[target.value] = target
                    stack.append(target)
            stack.extend(entry.children)
        return list(found.values())


def _search_check(entry: Entry) -> tuple[Entry, int, int, bytes, bool] | None:
    """A top-level search as ``(entry, start, end, literal, folded)``: the literal must lie in
    ``head[start:end]`` (lower-cased when folded) for the search to match; None when the
    search cannot be put so (no literal, a relation other than equality)."""
    pattern, fold = _pattern(entry)
    if entry.reln != "=" or not pattern or entry.flag & (INDIR | OFFADD | INDIROFFADD) or entry.offset < 0:
        return None
    end = entry.offset + entry.str_range + len(entry.value) * 4 if entry.str_range else 1 << 30
    return entry, entry.offset, end, pattern.lower() if fold else pattern, fold


def _first_bytes(group: list[tuple[int, bool, dict[bytes, list[Entry]]]]) -> frozenset[int]:
    """The values the first byte at a position must have for one of its tables to hold a key."""
    firsts = set()
    for _length, fold, table in group:
        for key in table:
            firsts.add(key[0])
            if fold:
                firsts.add(key[:1].upper()[0])
    return frozenset(firsts)


def _subset(database: bytes, tests: list[Entry], names: list[Entry]) -> bytes:
    """A compiled database holding just these top-level tests (first set) and named
    subroutines (second set, where libmagic looks them up), with their continuations."""
    def records(groups: list[Entry]) -> bytes:
        return b"".join(database[ENTRY * (1 + g.index):ENTRY * (1 + g.end)] for g in sorted(groups, key=lambda g: g.index))

    first, second = records(tests), records(names)
    header = struct.pack("<IIII", MAGICNO, VERSION, len(first) // ENTRY, len(second) // ENTRY).ljust(ENTRY, b"\0")
    return header + first + second


def load_database(database: bytes, mime: bool):
    """A libmagic handle on a compiled database given as bytes (libmagic reads it from a file)."""
    import os
    import tempfile

    import magic

    fd, path = tempfile.mkstemp(suffix=".mgc")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(database)
        return magic.Magic(magic_file=path, mime=mime)
    finally:
        os.unlink(path)  # libmagic has read it


@dataclass(frozen=True, slots=True)
class MagicIndexes:
    binary: MagicIndex
    text: MagicIndex

    def could_match(self, head: bytes, is_text: bool) -> bool:
        """Whether an indexed test could name the head: then only the whole database gives
        libmagic's answer; otherwise the built-in tests with :attr:`MagicIndex.others` do."""
        return self.binary.could_match(head) or (is_text and self.text.could_match(head))


@functools.cache
def _database() -> tuple[bytes, list[Entry]] | None:
    """The database libmagic uses here and its entries, or None if it cannot be read safely."""
    for path in DATABASES:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        entries = _parse(data)
        if entries is not None:
            return data, entries
    return None


def entries() -> list[Entry] | None:
    """The top-level entries of the database libmagic uses here (parsed once per process, for
    the index and for :mod:`forensix.mediatypes`), or None if it cannot be read safely."""
    found = _database()
    return found[1] if found else None


@functools.cache
def load() -> MagicIndexes | None:
    """The indexes of the database libmagic uses here, or None if it cannot be read safely."""
    found = _database()
    if found is None:
        return None
    data, parsed = found
    return MagicIndexes(MagicIndex(parsed, BINTEST, database=data), MagicIndex(parsed, TEXTTEST, starts_only=True))
