"""The identifiers plugin on real bytes: encodings, validation, scopes, chunking, the cap."""
from __future__ import annotations

import random
import re

import pytest

from forensix.records import Digests, FileEntry
from plugins import identifiers

PLANTED = (
    "[2023-04-02 22:14:09] <ghost> send it to trader.k@example.org\n"
    "server is 203.0.113.45 port 22, uploading to http://203.0.113.45/upload.php\n"
    "relay via 198.51.100.7, backup 2001:db8:85a3::8a2e:370:7334\n"
    "contact: mule-77@example.net / mirror https://files.example.com/a/b?id=9\n"
    "lan box 8.8.8.8; seen from 192.168.1.20.\n"
)
DECOYS = "version 1.2.3.4.5 build 999.12.1.1 at 2024.01.15 ratio 3.14159 host 256.1.1.1 ::: a@b\n"
EXPECTED = {
    ("ipv4", "203.0.113.45"), ("ipv4", "198.51.100.7"), ("ipv4", "8.8.8.8"), ("ipv4", "192.168.1.20"),
    ("ipv6", "2001:db8:85a3::8a2e:370:7334"),
    ("email", "trader.k@example.org"), ("email", "mule-77@example.net"),
    ("url", "http://203.0.113.45/upload.php"), ("url", "https://files.example.com/a/b?id=9"),
}


def entry(size: int) -> FileEntry:
    return FileEntry(evidence="test", volume_offset=0, fs_type="test", path="/f.txt",
                     inode="1", deleted=False, size=size)


def analyze(data: bytes, cuts: tuple[int, ...] = ()):
    """Run the analyzer as the engine does: head first, then every chunk in order."""
    analyzer = identifiers.forensix_file_analyzer(entry(len(data)), data[:1 << 20])
    if analyzer is None:
        return None
    bounds = (0, *cuts, len(data))
    for start, end in zip(bounds, bounds[1:]):
        analyzer.feed(data[start:end], start)
    return analyzer.finish(Digests(None, None, None, len(data)))


def kinds_values(result) -> set[tuple[str, str]]:
    return {(h["kind"], h["value"]) for h in result.data}


@pytest.mark.parametrize("encoding, bom", [
    ("ascii", b""), ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
    ("utf-16-le", b""), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
])
def test_planted_values_found_and_decoys_rejected(encoding, bom):
    text = "Grüße — " + PLANTED + DECOYS if encoding != "ascii" else PLANTED + DECOYS
    data = bom + text.encode(encoding)
    result = analyze(data)
    assert kinds_values(result) == EXPECTED
    label = {"utf-16-le": "utf-16le", "utf-16-be": "utf-16be"}.get(encoding, "ascii")
    assert {h["encoding"] for h in result.data} == {label}
    for hit in result.data:  # every offset points at the value's own bytes
        raw = hit["value"].encode(encoding)
        assert data[hit["offset"]:hit["offset"] + len(raw)] == raw
    ipv6 = next(h for h in result.data if h["kind"] == "ipv6")
    assert ipv6["offset"] == len(bom) + len(text[:text.index("2001:")].encode(encoding))


def test_decoys_alone_give_nothing():
    result = analyze(DECOYS.encode() + DECOYS.encode("utf-16-le"))
    assert result.data == []
    assert result.findings == ()


@pytest.mark.parametrize("text", [
    "1.2.3.4.5", "v1.2.3.4", "1.2.3.4a", "01.2.3.4", "a@b", "x@host.c0m", "12:34:56",
    "00:1a:2b:3c:4d:5e", "std::vector", "Db::Add", "::", "http:// nothing",
])
def test_lookalikes_are_not_identifiers(text):
    assert analyze(f" {text} ".encode() + b"\n" * 8).data == []


def test_ipv6_is_reported_compressed_and_ipv4_mapped_keeps_dots():
    data = b"a 2001:0db8:0000:0000:0000:0000:0000:0001 b ::ffff:192.0.2.1 c fe80::1 d 0:0:0:0:0:0:0:1 e\n"
    ipv6 = [h["value"] for h in analyze(data).data if h["kind"] == "ipv6"]
    assert ipv6 == ["2001:db8::1", "::ffff:192.0.2.1", "fe80::1", "::1"]


def test_bare_short_ipv6_forms_are_noise():
    """'::1' or 'e7::' turn up in binary data far more often than as addresses."""
    assert analyze(b"\x01::1\x02 e7:: ::3 \x00" * 4).data == []


@pytest.mark.parametrize("address, scope", [
    ("8.8.8.8", "public"), ("192.168.1.20", "private"), ("10.1.2.3", "private"),
    ("172.20.0.1", "private"), ("100.64.1.1", "private"), ("127.0.0.1", "loopback"), ("::1", "loopback"),
    ("169.254.10.10", "link-local"), ("224.0.0.251", "multicast"), ("203.0.113.45", "documentation"),
    ("198.51.100.7", "documentation"), ("192.0.2.1", "documentation"), ("0.1.2.3", "reserved"),
    ("240.1.1.1", "reserved"), ("2606:4700::1111", "public"), ("2001:db8::8", "documentation"),
    ("fd12:3456::1", "private"), ("fe80::1", "link-local"), ("ff02::1", "multicast"),
])
def test_scope(address, scope):
    written = "0:0:0:0:0:0:0:1" if address == "::1" else address  # bare '::1' is left out as noise
    hits = analyze(f"addr {written} end\n".encode()).data
    assert [(h["value"], h["scope"]) for h in hits if h["kind"] != "email"] == [(address, scope)]


@pytest.mark.parametrize("written, url", [
    ("see http://example.com/a.", "http://example.com/a"),
    ("(at https://example.com/x?y=1), then", "https://example.com/x?y=1"),
    ('href="http://example.com/q"', "http://example.com/q"),
    ("<ftp://files.example.com/pub/>", "ftp://files.example.com/pub/"),
    ("wiki https://en.wikipedia.org/wiki/Foo_(bar) ok", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("HTTPS://EXAMPLE.COM/UP!", "HTTPS://EXAMPLE.COM/UP"),
])
def test_url_trailing_punctuation_trimmed(written, url):
    assert [h["value"] for h in analyze(written.encode() + b"\n").data if h["kind"] == "url"] == [url]


@pytest.mark.parametrize("encoding", ["ascii", "utf-16-le"])
def test_identifier_split_across_chunks_is_found_once_at_its_offset(encoding):
    filler = "x" * 5000 + " "
    text = filler + "mirror https://files.example.com/a/b?id=9 and 203.0.113.45 end\n" + "y" * 9000
    data = text.encode(encoding)
    width = 2 if encoding != "ascii" else 1
    url_at = width * text.index("https://")
    ip_at = width * text.index("203.0.113.45")
    for cut in (url_at + 10 * width, ip_at + 5 * width, ip_at + 1):
        result = analyze(data, cuts=(cut,))
        assert [(h["kind"], h["value"], h["offset"]) for h in result.data] == [
            ("url", "https://files.example.com/a/b?id=9", url_at),
            ("ipv4", "203.0.113.45", ip_at),
        ], cut


def test_many_small_chunks_match_one_chunk():
    data = (PLANTED * 300).encode("utf-16-le") + (PLANTED * 300).encode()
    whole = analyze(data).data
    cuts = tuple(range(4093, len(data), 4093))
    assert analyze(data, cuts=cuts).data == whole
    assert len(whole) == 2 * 300 * 10


def test_findings_one_per_distinct_value_with_counts():
    result = analyze((PLANTED * 3).encode())
    findings = {(f.kind, f.value): dict(f.detail) for f in result.findings}
    assert set(findings) == EXPECTED
    assert findings[("ipv4", "203.0.113.45")]["count"] == 6  # twice a copy: bare and inside the URL
    assert findings[("ipv4", "203.0.113.45")]["scope"] == "documentation"
    assert findings[("email", "trader.k@example.org")] == {"count": 3, "first_offset": PLANTED.index("trader")}
    assert all(f.plugin == "identifiers" for f in result.findings)


def test_hits_per_file_are_capped_with_a_warning(monkeypatch):
    monkeypatch.setattr(identifiers, "MAX_HITS", 50)
    data = b"".join(b"host 10.0.%d.%d\n" % (i // 250, i % 250) for i in range(120))
    result = analyze(data)
    assert len(result.data) == 50
    assert result.warnings == ("70 more identifiers not listed (limit 50 per file)",)
    assert sum(f.detail["count"] for f in result.findings) == 50  # distinct values capped too


@pytest.mark.parametrize("head", [
    b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04", b"\x1f\x8b\x08", b"\x00\x00\x00\x18ftypheic",
])
def test_compressed_media_is_not_scanned(head):
    assert analyze(head + b" 8.8.8.8 " * 10) is None


def test_empty_result_is_an_empty_list():
    result = analyze(b"nothing to see here, just words\n")
    assert result.data == [] and result.findings == () and result.warnings == ()


def test_random_bytes_give_almost_nothing():
    noise = random.Random(4).randbytes(4 << 20)
    assert len(analyze(noise).data) <= 2


def test_scan_summary_counts_distinct_values_across_files(tmp_path):
    """forensix_scan_finished summarises the case: two files, one shared address."""
    from helpers import run_cli

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "a.log").write_text("login from 8.8.8.8 and 192.168.1.20\n")
    (folder / "b.log").write_text("again 8.8.8.8, mail trader.k@example.org\n")
    out = run_cli("scan", folder, "--case", tmp_path / "case", "--no-progress").stderr
    assert re.search(r"distinct ipv4 identifiers\s*│\s*2\b", out), out
    assert re.search(r"distinct email identifiers\s*│\s*1\b", out)


# -- binary content: only what stands in a text run --------------------------------

def binary(*parts: bytes) -> bytes:
    """Random bytes (no text) with ``parts`` embedded, each between two NULs."""
    noise = random.Random(9).randbytes(4096)
    return noise[:2048] + b"".join(b"\x00" + p + b"\x00" for p in parts) + noise[2048:]


def test_binary_content_is_judged_from_the_head():
    assert identifiers.is_text(PLANTED.encode()) and identifiers.is_text(PLANTED.encode("utf-16-le"))
    assert not identifiers.is_text(binary(b"x"))


def test_binary_keeps_identifiers_in_text_runs():
    data = binary(b"server 203.0.113.45", b"mail trader.k@example.org", b"http://files.example.com/a",
                  b"2001:0db8:0000:0000:0000:0000:0000:0001")
    assert kinds_values(analyze(data)) == {("ipv4", "203.0.113.45"), ("email", "trader.k@example.org"),
                                           ("url", "http://files.example.com/a"), ("ipv6", "2001:db8::1")}


@pytest.mark.parametrize("part", [b"1.2.3.4", b"a@b.cd", b"fe80::1", b"2001:db8::8a2e:370:7334", b"11::bb"])
def test_binary_drops_short_runs_and_compressed_ipv6(part):
    """A value with no text around it, or IPv6 in a form binary data makes by chance."""
    assert analyze(binary(part)).data == []


def test_utf16_strings_in_binary_are_kept():
    data = binary("host 198.51.100.7 ok".encode("utf-16-le"))
    assert kinds_values(analyze(data)) == {("ipv4", "198.51.100.7")}


def test_a_url_nested_in_another_is_its_own_hit() -> None:
    text = b"moved to https://www.example.org/r?u=http://mirror.example.net/file.zip for now"
    assert [(v, start) for kind, v, start, _ in identifiers.scan_text(text) if kind == "url"] == [
        ("https://www.example.org/r?u=http://mirror.example.net/file.zip", 9),
        ("http://mirror.example.net/file.zip", 37)]


def test_urls_nested_in_urls_cost_at_most_a_multiple_of_the_text() -> None:
    """'http://' repeated is a URL of MAX_URL_CHARS at every 7 bytes: 4 MB of it once made
    570,000 URLs of 2 kB (1.3 GB). Nested URLs are read until the URLs found hold 8 times the
    text; past that, only URLs outside the last one (at most the text once more)."""
    text = b"http://" * 100_000
    urls = [value for kind, value, _, _ in identifiers.scan_text(text) if kind == "url"]
    assert urls and len(urls[0]) > identifiers.MAX_URL_CHARS - 8
    assert sum(map(len, urls)) <= 9 * len(text) + identifiers.MAX_URL_CHARS
