"""The archives plugin on archives built here with zipfile/tarfile/gzip: members
come back as child entries, nested archives open, hostile archives stay bounded."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from forensix.budget import ExpansionBudget
from forensix.records import Digests, FileEntry
from forensix.scanconfig import ScanConfig
from plugins import archives
from helpers import fixture_script

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


fixtures = fixture_script("archive_fixtures")

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20


@pytest.fixture(autouse=True)
def case_dir(tmp_path: Path) -> Path:
    archives.forensix_configure(ScanConfig(case_dir=tmp_path, store=None))
    return tmp_path


def container(data: bytes, path: str = "/Downloads/backup.zip", depth: int = 0, deleted: bool = False) -> FileEntry:
    return FileEntry(evidence="suspect.raw", volume_offset=1048576, fs_type="fat32", path=path,
                     inode="70", deleted=deleted, size=len(data), depth=depth)


def analyze(entry: FileEntry, data: bytes, chunk: int = 1 << 20):
    """Feed the analyzer as the engine does: head first, every chunk, then finish."""
    analyzer = archives.forensix_file_analyzer(entry, data[:1 << 20])
    if analyzer is None:
        return None
    for offset in range(0, len(data), chunk):
        analyzer.feed(data[offset:offset + chunk], offset)
    return analyzer.finish(Digests(None, None, None, len(data)))


def read(child: FileEntry) -> bytes:
    return b"".join(child.read_chunks())


def expand(entry: FileEntry, data: bytes, warnings: list[str] | None = None) -> dict[str, bytes]:
    """What the engine does with children: read each that has content, send it through again."""
    found: dict[str, bytes] = {}
    result = analyze(entry, data)
    if warnings is not None and result is not None:
        warnings.extend(result.warnings)
    for child in result.children if result else ():
        if child.read_chunks is None:
            continue
        content = read(child)
        found[child.path] = content
        found.update(expand(child, content, warnings))
    return found


def zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2023, 4, 2, 22, 14, 8)), content)
    return buf.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(content), 1680473648
            archive.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def test_zip_member_becomes_a_child_entry():
    data = zip_bytes({"pack/img_002.png": PNG, "pack/": b"", "notes.txt": b"hello"})
    result = analyze(container(data, deleted=True), data)
    assert result.warnings == ()
    assert result.data == {"format": "zip", "members": 2}
    png, notes = result.children
    assert png.path == "/Downloads/backup.zip/pack/img_002.png"
    assert png.container == "/Downloads/backup.zip"
    assert (png.evidence, png.volume_offset, png.fs_type) == ("suspect.raw", 1048576, "zip")
    assert (png.inode, notes.inode) == ("70:0", "70:2")  # index 1 is the directory
    assert png.depth == 1 and png.deleted is True
    assert png.size == len(PNG) and png.mtime == "2023-04-02T22:14:08"
    assert read(png) == PNG and read(notes) == b"hello"


def test_children_stay_readable_after_finish_and_the_buffer_closes_after_the_last():
    data = zip_bytes({f"f{i}.bin": os.urandom(300_000) for i in range(3)})
    analyzer = archives.forensix_file_analyzer(container(data), data)
    analyzer.feed(data, 0)
    children = analyzer.finish(Digests(None, None, None, len(data))).children
    spool = analyzer._spool.file
    assert [len(read(c)) for c in children[:2]] == [300_000, 300_000]
    assert not spool.closed
    read(children[2])
    assert spool.closed


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see where a file lives")
@pytest.mark.parametrize("subfolder", ["", "other_case"])
def test_archive_is_buffered_inside_the_case_folder(case_dir, subfolder):
    case = case_dir / subfolder
    archives.forensix_configure(ScanConfig(case_dir=case, store=None))
    data = zip_bytes({"big.bin": os.urandom(3 << 20)}, method=zipfile.ZIP_STORED)
    analyzer = archives.forensix_file_analyzer(container(data), data)
    analyzer.feed(data, 0)
    on_disk = os.readlink(f"/proc/self/fd/{analyzer._spool.file.fileno()}")  # fileno() spills to disk
    assert on_disk.startswith(str(case / "tmp") + "/")
    child, = analyzer.finish(Digests(None, None, None, len(data))).children
    assert len(read(child)) == 3 << 20


def test_unconfigured_plugin_refuses_rather_than_write_elsewhere(monkeypatch):
    monkeypatch.setattr(archives._workspace, "tmp_dir", None)
    data = zip_bytes({"a.txt": b"a"})
    with pytest.raises(RuntimeError, match="before forensix_configure"):
        archives.forensix_file_analyzer(container(data), data)


def test_nested_zip_in_zip_is_opened_through_the_same_analyzer():
    inner = zip_bytes({"pack/img_003.png": PNG})
    outer = zip_bytes({"inner.zip": inner, "readme.txt": b"read me"})
    found = expand(container(outer), outer)
    assert found["/Downloads/backup.zip/inner.zip/pack/img_003.png"] == PNG
    assert found["/Downloads/backup.zip/readme.txt"] == b"read me"
    assert set(found) == {"/Downloads/backup.zip/inner.zip", "/Downloads/backup.zip/readme.txt",
                          "/Downloads/backup.zip/inner.zip/pack/img_003.png"}


def test_nesting_stops_at_the_depth_limit():
    data = zip_bytes({"a.txt": b"x"})
    result = analyze(container(data, depth=archives.MAX_DEPTH), data)
    assert result.children == ()
    assert result.warnings == (f"archive nested {archives.MAX_DEPTH} deep: not opened (limit {archives.MAX_DEPTH})",)


@pytest.mark.parametrize("mode, fmt", [("w:gz", "tar.gz"), ("w", "tar")])
def test_tar_members(mode, fmt):
    data = tar_bytes({"home/user/chat.txt": b"203.0.113.45", "home/user/pic.png": PNG}, mode)
    result = analyze(container(data, path="/backup.tgz"), data)
    assert result.data == {"format": fmt, "members": 2}
    chat, pic = result.children
    assert chat.path == "/backup.tgz/home/user/chat.txt" and chat.fs_type == fmt
    assert chat.mtime == "2023-04-02T22:14:08Z"
    assert (read(chat), read(pic)) == (b"203.0.113.45", PNG)


def test_gzip_member_named_from_its_header():
    buf = io.BytesIO()
    with gzip.GzipFile(filename="remote.log", mode="wb", fileobj=buf, mtime=1680473648) as stream:
        stream.write(b"remote host 198.51.100.7\n" * 1000)
    data = buf.getvalue()
    child, = analyze(container(data, path="/logs/remote.log.gz"), data).children
    assert child.path == "/logs/remote.log.gz/remote.log"
    assert child.size == 25_000 and child.mtime == "2023-04-02T22:14:08Z"
    assert read(child) == b"remote host 198.51.100.7\n" * 1000


def test_zip_bomb_member_is_listed_without_content_quickly():
    data = fixtures.zeros_zip(1 << 30)
    assert len(data) < 2 << 20
    result = analyze(container(data), data)
    child, = result.children
    assert child.size == 1 << 30 and child.read_chunks is None
    assert "may expand to" in child.warnings[0] and "archive bomb?" in child.warnings[0]
    assert result.warnings == (f"content of 1 members not read: {child.warnings[0].removeprefix('content not read: ')}",)


def test_gzip_whose_trailer_lies_is_damaged():
    data = bytearray(gzip.compress(bytes(8 << 20)))
    data[-4:] = struct.pack("<I", 10)  # claims 10 bytes
    result = analyze(container(bytes(data), path="/x.gz"), bytes(data))
    child, = result.children
    assert child.read_chunks is None and child.size == 8 << 20
    assert result.warnings == ("the gzip data is damaged after 8388608 bytes (Incorrect length of data produced)",)


def test_gzip_expanding_past_the_allowance_is_a_warning_on_the_archive(monkeypatch):
    monkeypatch.setattr(archives, "RATIO_FLOOR", 1 << 20)
    data = gzip.compress(bytes(8 << 20))
    result = analyze(container(data, path="/x.gz"), data)
    child, = result.children
    assert child.read_chunks is None and child.warnings[0].startswith("content not read: expansion stopped")
    assert result.warnings[0].startswith("expansion stopped after")


def test_member_count_is_limited(monkeypatch):
    monkeypatch.setattr(archives, "MAX_MEMBERS", 3)
    data = zip_bytes({f"{i}.txt": b"x" for i in range(5)})
    result = analyze(container(data), data)
    assert len(result.children) == 3
    assert result.warnings == ("more than 3 members: the rest not examined",)


@pytest.mark.parametrize("name, recorded", [
    ("../../etc/passwd", "etc/passwd"),
    ("/etc/shadow", "etc/shadow"),
    ("C:\\Windows\\evil.dll", "Windows/evil.dll"),
    ("a/../../b.txt", "b.txt"),
    ("..", "member-0"),
])
def test_escaping_member_names_are_kept_as_data(name, recorded, case_dir):
    data = tar_bytes({name: b"payload"}, "w")
    child, = analyze(container(data, path="/t.tar"), data).children
    assert child.path == f"/t.tar/{recorded}"
    assert child.warnings == (f"member name {name!r} points outside the archive; recorded as {recorded!r}",)
    assert read(child) == b"payload"
    assert sorted(p.name for p in case_dir.rglob("*")) == ["tmp"]  # nothing written by name


def test_plain_subfolder_name_gets_no_warning():
    data = zip_bytes({"./docs//a.txt": b"a"})
    child, = analyze(container(data), data).children
    assert child.path.endswith("/docs/a.txt") and child.warnings == ()


def test_encrypted_member_is_listed_without_content():
    data = bytearray(zip_bytes({"secret.png": PNG, "open.txt": b"open"}, method=zipfile.ZIP_STORED))
    for header, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set bit 0, first member only
        at = data.find(header)
        data[at + flag_at] |= 1
    data = bytes(data)
    secret, plain = analyze(container(data), data).children
    assert secret.read_chunks is None and secret.size == len(PNG)
    assert secret.warnings == ("encrypted member: content not read (no password)",)
    assert read(plain) == b"open"


def test_truncated_zip_is_a_warning_not_an_exception():
    data = zip_bytes({"a.txt": b"a" * 5000})[:-30]
    result = analyze(container(data), data)
    assert result.children == ()
    assert len(result.warnings) == 1 and result.warnings[0].startswith("damaged zip archive (no members read)")


def test_damaged_member_data_fails_its_read():
    data = bytearray(zip_bytes({"a.txt": os.urandom(2000).hex().encode()}))
    data[100] ^= 0xFF  # inside the compressed data
    child, = analyze(container(bytes(data)), bytes(data)).children
    with pytest.raises(archives.DamagedMemberError):
        read(child)


def test_truncated_tar_gz_keeps_the_members_before_the_damage():
    data = tar_bytes({"a.txt": b"a" * 100, "b.bin": os.urandom(200_000)})
    result = analyze(container(data, path="/t.tgz"), data[: len(data) // 2])
    a, b = result.children
    assert (a.path, read(a)) == ("/t.tgz/a.txt", b"a" * 100)
    assert b.read_chunks is None and b.warnings[0].startswith("content not read: the gzip data is damaged after")
    assert result.warnings[0].startswith("the gzip data is damaged after")


def test_not_an_archive_is_skipped():
    assert analyze(container(b"just text " * 100), b"just text " * 100) is None


# -- every member is a record (tests/fixtures/archive_fixtures.py) ----------------

def test_empty_member_name_keeps_every_member():
    data = fixtures.empty_name_zip()
    result = analyze(container(data, path="/evil.zip"), data)
    assert result.warnings == ()
    before, unnamed, after = result.children
    assert unnamed.path == "/evil.zip/member-1" and read(unnamed) == fixtures.KNOWN_BAD
    assert unnamed.warnings == ("member has no usable name (''); recorded as 'member-1'",)
    assert (read(before), read(after)) == (b"before", b"after")


SPECIAL = {
    "home/user/link": "symbolic link to '../../etc/passwd': a link has no content of its own",
    "home/user/hard": "hard link to 'home/user/photo.jpg': its content is that member's",
    "dev/sda": "block device 8,0: a device has no content",
    "dev/null": "character device 1,3: a device has no content",
    "run/pipe": "FIFO (named pipe): no content",
}


@pytest.mark.parametrize("ext, fmt", [("tar", "tar"), ("tar.gz", "tar.gz"), ("tar.bz2", "tar.bz2"),
                                      ("tar.xz", "tar.xz")])
def test_links_devices_and_fifos_are_records_without_content(ext, fmt):
    data = fixtures.special_tar() if ext == "tar" else fixtures.compressed_tars()[ext]
    result = analyze(container(data, path=f"/s.{ext}"), data)
    assert result.data == {"format": fmt, "members": 9} and result.warnings == ()
    by_path: dict[str, list[FileEntry]] = {}
    for child in result.children:
        by_path.setdefault(child.path.removeprefix(f"/s.{ext}/"), []).append(child)
    for name, note in SPECIAL.items():
        child, = by_path[name]
        assert child.read_chunks is None and child.warnings == (note,), name
    first, second = by_path["home/user/photo.jpg"]  # the same name twice: two records, two addresses
    assert (read(first), read(second)) == (b"first of two with this name", b"second of two with this name")
    assert first.inode != second.inode
    assert read(by_path["escape.txt"][0]) == b"outside"
    assert read(by_path["etc/absolute.txt"][0]) == b"absolute"


def test_seven_zip_members_with_duplicate_names():
    data = fixtures.seven_zip()
    result = analyze(container(data, path="/m.7z"), data)
    assert result.data == {"format": "7z", "members": 4} and result.warnings == ()
    contents = {(c.path, c.inode): read(c) for c in result.children}
    assert contents == {("/m.7z/notes.txt", "70:0"): b"first copy",
                        ("/m.7z/pictures/img_001.png", "70:1"): fixtures.content("7z-picture", 50_000),
                        ("/m.7z/notes.txt", "70:2"): b"second copy", ("/m.7z/empty.txt", "70:3"): b""}


@pytest.mark.parametrize("build", [fixtures.encrypted_zip, fixtures.encrypted_seven_zip])
def test_encrypted_member_has_no_content_and_says_why(build):
    data = build()
    secret = analyze(container(data), data).children[0]
    assert secret.read_chunks is None
    assert secret.warnings == ("encrypted member: content not read (no password)",)


def test_random_bytes_behind_a_gzip_magic_are_no_member():
    data = fixtures.gzip_lookalike()
    result = analyze(container(data, path="/random.bin"), data)
    assert result.children == () and result.data is None  # no 'archive' key: it is not one
    assert result.warnings[0].startswith("not a gzip stream after all: its data does not decode")


@pytest.mark.parametrize("head", [b"\x1f\x8b" + os.urandom(100), b"\x1f\x8b\x08\xe0" + bytes(100),
                                  b"BZh9" + os.urandom(100), b"\xfd7zXZ\x00" + bytes(100),
                                  b"7z\xbc\xaf\x27\x1c" + os.urandom(100), bytes(512)])
def test_magic_bytes_alone_do_not_make_an_archive(head):
    assert archives.archive_format(head) is None


def test_nested_bomb_stops_at_the_top_level_allowance():
    data = fixtures.nested_bomb(levels=3, width=10, leaf=1 << 20)  # 1 GB of zeros in a few kB
    found = expand(container(data), data)
    expanded = sum(len(content) for content in found.values())
    assert expanded <= archives.RATIO * len(data) + archives.RATIO_FLOOR
    assert expanded >= archives.RATIO_FLOOR // 2  # it did open what the allowance allows


def test_nested_bomb_stops_at_the_evidence_budget(case_dir):
    budget = ExpansionBudget(max_bytes=10 << 20)
    archives.forensix_configure(ScanConfig(case_dir=case_dir, store=None, expansion=budget))
    data = fixtures.nested_bomb(levels=3, width=10, leaf=1 << 20)
    refusals: list[str] = []
    found = expand(container(data), data, refusals)
    assert sum(len(content) for content in found.values()) <= 10 << 20
    assert any("the evidence item's archive expansion budget is spent (bytes)" in w for w in refusals)
    # the budget is per evidence item: another item still has all of its own
    assert budget.take("other.E01", 10 << 20)


def test_member_budget_stops_the_listing(case_dir):
    archives.forensix_configure(ScanConfig(case_dir=case_dir, store=None,
                                           expansion=ExpansionBudget(max_members=2)))
    data = zip_bytes({f"{i}.txt": b"x" for i in range(5)})
    result = analyze(container(data), data)
    assert len(result.children) == 2
    assert result.warnings == ("the evidence item's archive expansion budget is spent (members): "
                               "members after the first 2 not examined",)


def test_empty_named_member_alerts_through_a_scan(tmp_path, cli):
    """The known-bad bytes sit in a member with no name; the scan must still match them."""
    from helpers import export_records

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "evil.zip").write_bytes(fixtures.empty_name_zip())
    hashset = tmp_path / "known_bad.md5"
    hashset.write_text(f"{hashlib.md5(fixtures.KNOWN_BAD).hexdigest()}  known.bin\n")
    cli("scan", folder, "--case", tmp_path / "case", "--hashset", hashset, "--no-progress")
    records = {r["path"]: r for r in export_records(tmp_path / "case")}
    member = records["/evil.zip/member-1"]
    assert member["md5"] == hashlib.md5(fixtures.KNOWN_BAD).hexdigest()
    assert [m["alert"] for m in member["hash_matches"]] == [True]
    assert {"/evil.zip/before.txt", "/evil.zip/after.txt"} <= records.keys()


def test_encrypted_member_list_is_a_warning_in_words():
    data = fixtures.encrypted_header_seven_zip()
    result = analyze(container(data, path="/h.7z"), data)
    assert result.children == ()
    assert result.warnings == ("encrypted 7z archive: its member list is encrypted too (no password), "
                               "so no member can be listed",)


def test_zip_whose_member_list_cannot_be_held_is_refused_with_a_warning(monkeypatch):
    monkeypatch.setattr(archives, "MAX_ZIP_ENTRIES", 2)
    data = zip_bytes({f"{i}.txt": b"x" for i in range(3)})
    result = analyze(container(data), data)
    assert result.children == ()
    assert result.warnings == ("zip lists 3 members, more than the 2 whose list can be held in memory: "
                               "members not examined",)


def test_encrypted_member_has_null_digests_through_a_scan(tmp_path, cli):
    from helpers import export_records

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "locked.zip").write_bytes(fixtures.encrypted_zip())
    cli("scan", folder, "--case", tmp_path / "case", "--no-progress")
    member = {r["path"]: r for r in export_records(tmp_path / "case")}["/locked.zip/secret.png"]
    assert "encrypted member: content not read (no password)" in member["warnings"]
    assert (member["md5"], member["sha1"], member["sha256"]) == (None, None, None)


def test_a_damaged_symlink_member_does_not_hide_the_members_after_it() -> None:
    """A zip symlink's target is its content; content that cannot be read once stopped the
    listing there, so every member after the link went unexamined."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("before.txt", b"first")
        link = zipfile.ZipInfo("shortcut")
        link.create_system, link.external_attr = 3, 0o120777 << 16
        archive.writestr(link, "target.txt")
        archive.writestr("after.txt", b"hidden behind the link")
    data = bytearray(buffer.getvalue())
    local = data.index(b"PK\x03\x04", 4)
    data[local:local + 4] = b"PK\x00\x00"  # the link's local header is damaged; the central directory is whole
    result = analyze(container(bytes(data)), bytes(data))
    by_name = {child.name: child for child in result.children}
    assert set(by_name) == {"before.txt", "shortcut", "after.txt"}
    assert by_name["shortcut"].warnings == (
        "symbolic link whose target cannot be read (its data is damaged): a link has no content of its own",)
    assert read(by_name["after.txt"]) == b"hidden behind the link"
    assert result.warnings == ()


def test_a_member_cut_short_says_so_in_words() -> None:
    """zipfile raises a bare EOFError when a member's data ends before its declared size: the
    examiner read 'damaged member tail.txt: ' and nothing after."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("tail.txt", b"twenty-two bytes here.")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<II", data, central + 20, 10_000, 10_000)  # compressed and real size: past the end
    (child,) = analyze(container(bytes(data)), bytes(data)).children
    with pytest.raises(archives.DamagedMemberError) as raised:
        read(child)
    assert str(raised.value) == "damaged member tail.txt: its data ends before the size the archive declares"


def test_zip_whose_end_record_understates_its_members_is_still_refused(monkeypatch):
    """zipfile lists every entry its central directory holds, not the count the end record
    declares: a forged count of 1 let a directory of millions of entries (~500 bytes each in
    memory) past the limit."""
    monkeypatch.setattr(archives, "MAX_ZIP_ENTRIES", 10)
    data = bytearray(zip_bytes({f"{i}.txt": b"x" for i in range(1000)}))
    end = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)
    result = analyze(container(bytes(data)), bytes(data))
    assert result.children == ()
    assert result.warnings == ("zip lists 1000 members, more than the 10 whose list can be held in memory: "
                               "members not examined",)


def _pax_bomb(header_bytes: int) -> bytes:
    """A tar.gz whose first member's pax header declares (and holds) about ``header_bytes`` of
    records, then an ordinary member: tarfile reads a pax header whole into memory."""
    payload = b" comment=" + b"x" * header_bytes + b"\n"
    length = len(payload) + len(str(len(payload)))
    if len(str(length)) + len(payload) != length:
        length += 1
    record = str(length).encode() + payload  # a pax record counts its own length's digits
    pax = tarfile.TarInfo("././@PaxHeader")
    pax.type, pax.size = tarfile.XHDTYPE, len(record)
    raw = io.BytesIO()
    raw.write(pax.tobuf(tarfile.USTAR_FORMAT) + record + b"\0" * (-len(record) % 512))
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tail:
        info = tarfile.TarInfo("after.txt")
        info.size = 5
        tail.addfile(info, io.BytesIO(b"after"))
    return gzip.compress(raw.getvalue(), 1)


class _LargestRead:
    """The tar's file, noting the largest single read made of it."""

    def __init__(self, data: bytes) -> None:
        self._file, self.largest = io.BytesIO(data), 0

    def read(self, size: int = -1) -> bytes:
        self.largest = max(self.largest, size if size >= 0 else 1 << 62)
        return self._file.read(size)

    def __getattr__(self, name):
        return getattr(self._file, name)


def test_a_tar_header_holding_megabytes_is_refused_in_words_without_reading_it():
    from plugins.archive_formats import TAR_HEADER_LIMIT, tar_members

    bomb = _pax_bomb(TAR_HEADER_LIMIT + (1 << 20))
    raw = gzip.decompress(bomb)
    spy = _LargestRead(raw)
    with pytest.raises(tarfile.TarError, match="headers .* hold more than 4 MiB"):
        list(tar_members(spy))
    assert spy.largest <= 512
    warnings: list[str] = []
    assert expand(container(bomb, path="/x.tgz"), bomb, warnings) == {}
    assert any("hold more than 4 MiB" in w for w in warnings), warnings


def test_a_tar_header_under_the_limit_is_read_as_before():
    bomb = _pax_bomb(64 << 10)
    result = analyze(container(bomb, path="/x.tgz"), bomb)
    child, = result.children
    assert child.path == "/x.tgz/after.txt" and read(child) == b"after"


def test_a_tar_of_many_folders_is_listed_in_bounded_memory():
    import tracemalloc

    from plugins.archive_formats import tar_members

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for i in range(20_000):
            info = tarfile.TarInfo(f"d/{i:06d}")
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
        info = tarfile.TarInfo("last.txt")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"last"))
    tar = io.BytesIO(raw.getvalue())
    tracemalloc.start()
    try:
        members = list(tar_members(tar))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(m.index, m.name) for m in members] == [(20_000, "last.txt")]
    assert peak < 2 << 20, f"{peak:,} bytes held while listing 20,000 folders"
