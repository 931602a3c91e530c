"""Network identifiers (IPv4, IPv6, e-mail, URL) carved from any file's bytes.

Like bulk_extractor's feature files: an examiner wants every address a file
mentions, wherever it sits — a chat log, a browser cache, a string in a
database page — with the byte offset to show it from. So the scan reads the
raw bytes, not a parsed document, in two views:

* ``ascii``: the bytes as they are. This covers UTF-8 text too, since every
  character of an identifier is ASCII and other UTF-8 bytes act as separators.
* ``utf-16le`` (or ``utf-16be`` when the file starts with the FE FF byte order
  mark): runs of ASCII characters interleaved with zero bytes, found at either
  byte parity. Big-endian text without a BOM is still found through the
  little-endian view (same values; offsets one byte later).

Candidates are validated, not just pattern-matched: IP addresses through
``ipaddress`` (no leading zeros, no octet above 255); a dotted quad that is part
of a longer dotted-number run (``1.2.3.4.5``, a version) is not an address; all
identifiers need a non-word character on both sides, so binary noise rarely
produces one.

Files are read in chunks; the scanner holds back the last ``_MARGIN`` bytes of
what it has seen and reports only identifiers that start before them, so an
identifier split across two chunks is found once, whole, at its true offset.

``data`` is the list of hits (``[]`` when the file was scanned and held none);
files this plugin skips (compressed media and archives, whose bytes are noise
here — archive members are scanned on their own — or files over ``MAX_SIZE``)
get no ``identifiers`` key at all.

IP addresses carry a ``scope`` (see :func:`scope`). The documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) get their own
scope, ``documentation``: no real traffic uses them, but test data and training
images use them to stand for internet addresses, so a report counting "public
addresses" should count ``public`` and ``documentation`` together.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any, Iterator

from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, Finding

NAME = "identifiers"
VERSION = "1.0.0"
DESCRIPTION = "IPv4/IPv6 addresses, e-mail addresses and URLs in file content (ASCII, UTF-8, UTF-16)."
MIN_SIZE = 6
MAX_SIZE = 512 << 20

MAX_HITS = 10_000
"""Hits listed per file; the rest are counted in a warning (and in the findings' counts)."""
MAX_URL_CHARS = 2048
MIN_RUN = 8
"""Printable bytes an identifier in binary data must stand among (its own included)."""

_CONTEXT = 256
"""Bytes kept before the unreported region so look-behind checks see real context."""
_MARGIN = 4 * MAX_URL_CHARS + _CONTEXT
"""Held-back bytes: longer than the longest identifier in UTF-16 (two bytes a character)."""
_SCAN_BLOCK = 4 << 20
"""Bytes gathered before a scan: a file smaller than this is scanned once, whole."""

_SKIP_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"\xff\xd8\xff"),          # JPEG
    (0, b"\x89PNG\r\n\x1a\n"),     # PNG
    (0, b"GIF87a"), (0, b"GIF89a"),
    (0, b"PK\x03\x04"), (0, b"PK\x05\x06"),  # ZIP (and docx/xlsx/jar): members are scanned as children
    (0, b"\x1f\x8b"),              # gzip
    (0, b"BZh"),                   # bzip2
    (0, b"\xfd7zXZ\x00"),          # xz
    (0, b"7z\xbc\xaf\x27\x1c"),    # 7-Zip
    (0, b"Rar!\x1a\x07"),          # RAR
    (0, b"\x28\xb5\x2f\xfd"),      # zstd
    (0, b"RIFF"),                  # WebP, AVI, WAV
    (0, b"OggS"), (0, b"fLaC"), (0, b"ID3"),
    (0, b"\x1a\x45\xdf\xa3"),      # Matroska / WebM
    (4, b"ftyp"),                  # MP4, MOV, HEIC
)
"""Compressed or media formats: their payload is entropy, where any match is noise."""

# Every pattern starts with a literal (".", ":", "\x00") so the regex engine can
# jump between candidates; what precedes the literal is checked by looking back.
# A leading character class or look-behind would be tried at every byte (5x slower).
_IPV4 = re.compile(rb"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)")
"""The last three octets, matched from the first dot (a literal start lets the
regex engine jump from dot to dot); the first octet is found by looking back."""
_IPV6_TRIGGER = re.compile(rb":(?::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:)")
"""'::' or three colons close together: every IPv6 address has one at its first
colon, a time of day (10:05:07) has neither."""
_IPV6 = re.compile(rb"[0-9A-Fa-f:]{2,39}(?:(?<=:)\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})?(?!\w|:|\.\d)")
_IPV6_TOKEN = re.compile(rb"[0-9A-Fa-f:.]*")
_EMAIL_LOCAL = re.compile(rb"(?<![\w.%+-])[\w.%+-]{1,64}@\Z")
"""The local part, matched backwards from an '@' (searching from every '@' is
far cheaper than trying a local part at every letter of a text)."""
_EMAIL_DOMAIN = re.compile(
    rb"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}(?:[a-z]{2,24}|[A-Z]{2,24})(?![\w-]|\.[A-Za-z0-9])"
)
_URL_SCHEMES = (b"https", b"http", b"ftp")
_URL_BODY = re.compile(rb"[\w\[][^\s\"'<>`{}|\\^\x00-\x20\x7f-\xff]{0,%d}" % (MAX_URL_CHARS - 1))
_URL_TRAILING = b".,;:!?)]}'*"
_URL_OVERLAP = 8
"""Bytes of URLs read per byte of text before URLs nested in others are no longer read."""
_U16_RANGES = rb"\t\n\r\x20-\x7e\xa0-\xff"
"""A UTF-16 code unit of ASCII or Latin-1 has a zero high byte; line breaks and
accented letters are kept in the run (they separate identifiers anyway), so a
whole UTF-16 document is a few runs, not one per line."""
_U16_CHAR = re.compile(rb"[%s]" % _U16_RANGES)
_U16_CHARS = frozenset(c for c in range(256) if _U16_CHAR.match(bytes((c,))))
_NOT_U16_CHAR = re.compile(rb"[^%s]" % _U16_RANGES)
_UTF16_TRIGGER = re.compile(rb"\x00[%s]\x00[%s]\x00[%s]" % ((_U16_RANGES,) * 3))
_NOT_ZERO = re.compile(rb"[^\x00]")
_MIN_RUN_CHARS = 6
_HEX = frozenset(b"0123456789ABCDEFabcdef")
_DIGITS = frozenset(b"0123456789")
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_NOT_BEFORE_IPV6 = _WORD | frozenset(b".:")
_NOT_BEFORE_URL = _WORD | frozenset(b"+.-")
_NOT_BEFORE_IPV4 = _WORD | frozenset(b".")

_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))  # RFC 5737, RFC 3849
_PRIVATE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))  # RFC 1918, 6598, 4193


def scope(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Where an address lives, first rule that applies: loopback, link-local,
    multicast, documentation (RFC 5737/3849), private (RFC 1918, carrier-grade
    NAT 100.64/10, IPv6 unique-local fc00::/7), public (``is_global``), and
    reserved for everything else (0.0.0.0/8, 240/4, benchmarking ranges ...)."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in net for net in _DOCUMENTATION):
        return "documentation"
    if any(address in net for net in _PRIVATE):
        return "private"
    return "public" if address.is_global else "reserved"


Hit = tuple[int, str, str, str, "str | None"]
"""``(offset, kind, value, encoding, scope)``: offset first so hits sort in file order."""


def _hit_data(hit: Hit) -> dict[str, Any]:
    offset, kind, value, encoding, where = hit
    data = {"kind": kind, "value": value, "offset": offset, "encoding": encoding}
    if where is not None:
        data["scope"] = where
    return data


_SPECIAL_FIRST_OCTETS = frozenset({0, 10, 100, 127, 169, 172, 192, 198, 203, *range(224, 256)})
"""First octets of every IPv4 range with a scope other than public (RFC 6890's
special-purpose registry, as ``ipaddress`` and this module's tables use it): an
address starting otherwise is public without asking ``ipaddress``, which costs
tens of microseconds an address."""


_OCTET = rb"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_DOTTED_QUAD = re.compile(rb"%s(?:\.%s){3}" % (_OCTET, _OCTET))
"""Four decimal octets, none above 255, no leading zeros (as ``ipaddress`` reads them)."""


def _ipv4(text: bytes) -> tuple[str, str] | None:
    """The address and its scope, or ``None``."""
    if _DOTTED_QUAD.fullmatch(text) is None:
        return None
    if int(text[:text.index(b".")]) not in _SPECIAL_FIRST_OCTETS:
        return text.decode("ascii"), "public"
    return text.decode("ascii"), _special_scope(text)


@functools.lru_cache(maxsize=1 << 12)
def _special_scope(text: bytes) -> str:
    return scope(ipaddress.IPv4Address(text.decode("ascii")))


@functools.lru_cache(maxsize=1 << 16)
def _ipv6(text: bytes) -> tuple[str, str] | None:
    if b"::" not in text and text.count(b":") < 7:  # a time of day, a MAC address
        return None
    if not any(48 <= c <= 57 for c in text):  # "Db::Add" in a symbol table is no address
        return None
    if sum(1 for group in text.split(b":") if group) < 2:
        return None  # "e7::", "::1": three bytes of binary noise as often as an address
    try:
        address = ipaddress.IPv6Address(text.decode("ascii"))
    except ValueError:
        return None
    if address.is_unspecified:
        return None
    mapped = address.ipv4_mapped
    if mapped is not None:  # keep the dotted form examiners search for
        return f"::ffff:{mapped}", scope(mapped)
    return str(address), scope(address)


def _trim_url(url: bytes) -> bytes:
    """Drop sentence punctuation after a URL; keep a ')' that closes a '(' in it."""
    while url and url[-1] in _URL_TRAILING:
        if url[-1] == 0x29 and url.count(b"(") >= url.count(b")"):
            break
        url = url[:-1]
    return url


def _back(buf: bytes, end: int, chars: frozenset[int], limit: int) -> int:
    """Start of the run of ``chars`` (at most ``limit`` long) that ends at ``end``."""
    start = end
    while start > 0 and end - start < limit and buf[start - 1] in chars:
        start -= 1
    return start


def _bounded(buf: bytes, start: int, not_before: frozenset[int]) -> bool:
    return start == 0 or buf[start - 1] not in not_before


def _ipv4_hits(buf: bytes) -> Iterator[tuple[str, str, int, str | None]]:
    for m in _IPV4.finditer(buf):
        dot = m.start()
        start = _back(buf, dot, _DIGITS, 4)
        if 0 < dot - start <= 3 and _bounded(buf, start, _NOT_BEFORE_IPV4) \
                and (ok := _ipv4(buf[start:m.end()])) is not None:
            yield "ipv4", ok[0], start, ok[1]


def _ipv6_hits(buf: bytes, full_only: bool = False) -> Iterator[tuple[str, str, int, str | None]]:
    pos = 0
    while (m := _IPV6_TRIGGER.search(buf, pos)) is not None:
        start = _back(buf, m.start(), _HEX, 5)
        candidate = _IPV6.match(buf, start) if _bounded(buf, start, _NOT_BEFORE_IPV6) else None
        if candidate is not None and (not full_only or _written_in_full(candidate.group())) \
                and (ok := _ipv6(candidate.group())) is not None:
            yield "ipv6", ok[0], start, ok[1]
        pos = max(m.end(), _IPV6_TOKEN.match(buf, m.start()).end())  # one token, one try


def _written_in_full(text: bytes) -> bool:
    """Eight groups, no '::' (or six and a dotted quad): the only IPv6 form binary data
    does not produce by chance."""
    groups = text.split(b":")
    return b"::" not in text and (len(groups) == 8 or len(groups) == 7 and b"." in groups[-1])


def _url_hits(buf: bytes) -> Iterator[tuple[str, str, int, str | None]]:
    """URLs, those nested in another (a redirect's target) included, until the URLs found hold
    ``_URL_OVERLAP`` times the buffer's bytes: past that, only URLs outside the last one are
    read. Without it ``http://`` repeated is a URL of MAX_URL_CHARS at every 7 bytes (4 MB of it:
    570,000 URLs, 1.3 GB and 6 s)."""
    budget = _URL_OVERLAP * len(buf)
    covered = 0
    at = buf.find(b"://")
    while at >= 0:
        if at < covered and budget <= 0:
            at = buf.find(b"://", covered)
            continue
        scheme = next((s for s in _URL_SCHEMES if buf[max(0, at - len(s)):at].lower() == s), None)
        if scheme is not None and _bounded(buf, at - len(scheme), _NOT_BEFORE_URL):
            body = _URL_BODY.match(buf, at + 3)
            if body is not None:
                url = _trim_url(buf[at - len(scheme):body.end()])
                if len(url) > len(scheme) + 3:
                    budget -= len(url)
                    covered = max(covered, at - len(scheme) + len(url))
                    yield "url", url.decode("ascii"), at - len(scheme), None
        at = buf.find(b"://", at + 3)


def _email_hits(buf: bytes) -> Iterator[tuple[str, str, int, str | None]]:
    at = buf.find(b"@", 1)
    while at > 0:
        domain = _EMAIL_DOMAIN.match(buf, at + 1)
        if domain is not None:
            local = _EMAIL_LOCAL.search(buf, max(0, at - 64), at + 1)
            if local is not None and not local.group().startswith(b"."):
                yield "email", buf[local.start():domain.end()].decode("ascii"), local.start(), None
        at = buf.find(b"@", at + 1)


def scan_text(buf: bytes, binary: bool = False) -> list[tuple[str, str, int, str | None]]:
    """``(kind, value, start, scope)`` of every identifier in ASCII bytes;
    ``binary``: IPv6 only when written in full. A kind whose anchor character is
    absent is not searched for (``in`` runs at memchr speed, a regex pass does not)."""
    hits: list[tuple[str, str, int, str | None]] = []
    if b"." in buf:
        hits += _ipv4_hits(buf)
    if b":" in buf:
        hits += _ipv6_hits(buf, full_only=binary)
        hits += _url_hits(buf)
    if b"@" in buf:
        hits += _email_hits(buf)
    return hits


def _utf16_run_end(buf: bytes, start: int, big_endian: bool) -> int:
    """End of the UTF-16 text run whose first code unit is at ``start``.

    Works on the two byte-parity projections of a growing window: slicing and
    single-class searches run at C speed, where a regex repeating a two-byte
    unit crawls (under 40 MB/s).
    """
    chars_at, zeros_at = (1, 0) if big_endian else (0, 1)
    pos, window = start, 256
    while True:
        block = buf[pos:pos + window]
        units = len(block) // 2
        bad = _NOT_U16_CHAR.search(block[chars_at::2], 0, units)
        stray = _NOT_ZERO.search(block[zeros_at::2], 0, units)
        stop = min(bad.start() if bad else units, stray.start() if stray else units)
        pos += 2 * stop
        if stop < units or len(block) < window:
            return pos
        window *= 4


def _utf16_runs(buf: bytes, big_endian: bool) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, ascii_text)`` for each run of UTF-16 text, at either byte parity.

    The run's code units start at ``offset``; character ``i`` of the text is at
    ``offset + 2 * i``.
    """
    first = 1 if big_endian else 0
    pos = 0
    while (m := _UTF16_TRIGGER.search(buf, pos)) is not None:
        zero = m.start()
        if big_endian:
            start = zero
        else:
            start = zero - 1 if zero > 0 and buf[zero - 1] in _U16_CHARS else zero + 1
        end = _utf16_run_end(buf, start, big_endian)
        if end - start >= 2 * _MIN_RUN_CHARS:
            yield start, buf[start + first:end:2]
        pos = max(end, zero + 1)


def _classes() -> bytes:
    """Byte classes for the candidate search: '.', ':' and '@' become '.'; digits
    '0', letters 'a', the other characters of an e-mail local part '-', '/'
    itself, other printable bytes ' ', NUL itself, every other byte 0x01."""
    table = bytearray(b"\x01" * 256)
    table[0] = 0
    for byte in range(256):
        char = chr(byte)
        if char in ".:@":
            table[byte] = ord(".")
        elif char.isascii() and char.isdigit():
            table[byte] = ord("0")
        elif char.isascii() and char.isalpha():
            table[byte] = ord("a")
        elif char in "-_%+":
            table[byte] = ord("-")
        elif char == "/":
            table[byte] = ord("/")
        elif 0x20 <= byte < 0x7F or char in "\t\n\r":
            table[byte] = ord(" ")
    return bytes(table)


_CLASSES = _classes()
_BINARY_CANDIDATE = re.compile(
    rb"\.(?:(?<=[^\x00\x01]{%d}\.)(?P<ascii>[^\x00\x01]{%d})"
    rb"|(?<=[^\x00\x01]\x00[^\x00\x01]\x00\.)\x00[^\x00\x01]\x00[^\x00\x01])" % (MIN_RUN // 2, MIN_RUN - MIN_RUN // 2 - 1))
"""In binary data (bytes mapped by _CLASSES: '.', ':' and '@' become '.', NUL stays, other non-printable bytes 0x01):
an anchor inside a printable run of at least MIN_RUN bytes, or between two UTF-16
characters on each side (either byte order). Both branches start with the same
literal, so the regex engine still jumps from anchor to anchor."""
_CONTROL = bytes(c for c in range(0x20) if c not in b"\t\n\r\f\x1b") + b"\x7f"


def _few_controls(sample: bytes) -> bool:
    return (len(sample) - len(sample.translate(None, _CONTROL))) * 100 <= len(sample)


def is_text(head: bytes) -> bool:
    """Text (ASCII, UTF-8, Latin-1 or UTF-16) judged from the first 4 KiB: no
    control characters but line breaks and tabs, or (UTF-16) such characters
    at one byte parity and NULs at the other."""
    sample = head[:4096]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" not in sample:
        return _few_controls(sample)
    for parity in (0, 1):
        zeros, chars = sample[parity::2], sample[1 - parity::2]
        if zeros.count(0) * 10 >= len(zeros) * 9 and b"\x00" not in chars and _few_controls(chars):
            return True
    return False


def _text_runs(classes: bytes) -> tuple[list[tuple[int, int]], bool]:
    """``(start, end)`` of each printable run of at least MIN_RUN bytes that holds a candidate
    anchor, and whether any UTF-16 text holds one."""
    runs: list[tuple[int, int]] = []
    utf16 = False
    end = 0
    for m in _BINARY_CANDIDATE.finditer(classes):
        if m.group("ascii") is None:
            utf16 = True
        elif m.start() >= end:
            start = max(classes.rfind(b"\x00", 0, m.start()), classes.rfind(b"\x01", 0, m.start())) + 1
            ends = [e for e in (classes.find(b"\x00", m.start()), classes.find(b"\x01", m.start())) if e >= 0]
            end = min(ends) if ends else len(classes)
            runs.append((start, end))
    return runs, utf16


def scan(buf: bytes, utf16_big_endian: bool = False, binary: bool = False
         ) -> list[tuple[int, str, str, str, str | None]]:
    """``(start, kind, value, encoding, scope)`` for the ASCII and UTF-16 views of ``buf``.

    ``binary``: the buffer is not text, so only what stands in a text run counts
    (printable ASCII runs of MIN_RUN bytes, found from one translated copy by one
    literal-led regex at C speed; UTF-16 runs of _MIN_RUN_CHARS characters), and
    IPv6 only written in full.
    """
    if binary:
        runs, utf16 = _text_runs(buf.translate(_CLASSES))
        found = [(run_start + start, kind, value, "ascii", where) for run_start, run_end in runs
                 for kind, value, start, where in scan_text(buf[run_start:run_end], binary=True)]
    else:
        found = [(start, kind, value, "ascii", where) for kind, value, start, where in scan_text(buf)]
        utf16 = b"\x00" in buf
    if utf16:
        encoding = "utf-16be" if utf16_big_endian else "utf-16le"
        found += [(run_start + 2 * start, kind, value, encoding, where)
                  for run_start, text in _utf16_runs(buf, utf16_big_endian)
                  for kind, value, start, where in scan_text(text, binary=binary)]
    return found


class _Analyzer:
    """Scans the chunks as they come, holding back a margin for split identifiers."""

    key = "identifiers"

    def __init__(self, utf16_big_endian: bool, binary: bool) -> None:
        self._big_endian = utf16_big_endian
        self._binary = binary
        self._chunks: list[bytes] = []
        self._held = 0
        """Bytes in ``_chunks``."""
        self._buf_start = 0
        self._reported_to = 0
        self._hits: list[Hit] = []
        self._unlisted = 0
        self._distinct: dict[tuple[str, str], dict[str, Any]] = {}

    def feed(self, chunk: bytes, offset: int) -> None:
        """Chunks come in file order from offset 0, so the position is tracked here."""
        self._chunks.append(chunk)
        self._held += len(chunk)
        if self._held < _SCAN_BLOCK:  # most files fit: scanned once, in finish
            return
        end = self._buf_start + self._held
        if end - _MARGIN > self._reported_to:
            buf = self._scan(end - _MARGIN)
            keep_from = max(0, self._reported_to - _CONTEXT - self._buf_start)
            self._chunks, self._held = [buf[keep_from:]], len(buf) - keep_from
            self._buf_start += keep_from

    def finish(self, digests: Digests) -> AnalyzerResult:
        self._scan(self._buf_start + self._held)
        self._chunks = []
        findings = tuple(Finding(plugin=NAME, kind=kind, value=value, detail=detail)
                         for (kind, value), detail in self._distinct.items())
        warnings = (f"{self._unlisted} more identifiers not listed (limit {MAX_HITS} per file)",) \
            if self._unlisted else ()
        return AnalyzerResult(data=[_hit_data(h) for h in self._hits], findings=findings, warnings=warnings)

    def _scan(self, limit: int) -> bytes:
        """Record the hits starting in [reported_to, limit), in file order; returns the bytes held."""
        buf = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        base, low = self._buf_start, self._reported_to
        found = scan(buf, self._big_endian, self._binary)
        if base or low or limit < base + len(buf):
            found = [(base + hit[0], *hit[1:]) for hit in found if low <= base + hit[0] < limit]
        found.sort()
        distinct, hits = self._distinct, self._hits
        for hit in found:
            offset, kind, value, _, where = hit
            detail = distinct.get((kind, value))
            if detail is not None:
                detail["count"] += 1
            elif len(distinct) < MAX_HITS:
                detail = {"count": 1, "first_offset": offset}
                if where is not None:
                    detail["scope"] = where
                distinct[(kind, value)] = detail
            if len(hits) < MAX_HITS:
                hits.append(hit)
            else:
                self._unlisted += 1
        self._reported_to = limit
        return buf


_SKIP_AT = {at: tuple(magic for where, magic in _SKIP_MAGIC if where == at) for at, _ in _SKIP_MAGIC}


def worth_scanning(head: bytes) -> bool:
    """False for compressed and media formats, recognised by their magic bytes (one C-level
    ``startswith`` per offset)."""
    return not any(head.startswith(magics, at) for at, magics in _SKIP_AT.items())


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _Analyzer | None:
    if not worth_scanning(head):
        return None
    return _Analyzer(utf16_big_endian=head.startswith(b"\xfe\xff"), binary=not is_text(head))


@hookimpl
def forensix_scan_finished(config, stats: dict[str, Any]) -> None:
    """Scan-wide summary for the closing table: distinct values of each kind in the case."""
    rows = config.store.db.execute(
        "SELECT kind, COUNT(DISTINCT value) FROM findings WHERE plugin = ? GROUP BY kind ORDER BY kind", (NAME,))
    for kind, distinct in rows:
        stats[f"distinct {kind} identifiers"] = distinct
