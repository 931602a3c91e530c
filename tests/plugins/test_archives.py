"""The archives plugin on archives built here with zipfile/tarfile/gzip: members
come back as child entries, nested archives open, hostile archives stay bounded."""
from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from forensix.records import Digests, FileEntry
from forensix.scanconfig import ScanConfig
from plugins import archives

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


def expand(entry: FileEntry, data: bytes) -> dict[str, bytes]:
    """What the engine does with children: read each, send it through again."""
    found: dict[str, bytes] = {}
    result = analyze(entry, data)
    for child in result.children if result else ():
        content = read(child)
        found[child.path] = content
        found.update(expand(child, content))
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


def _deflated_zeros_zip(size: int) -> bytes:
    """A one-member zip of ``size`` zero bytes, built from one repeated deflate
    block: writing the real thing through zipfile takes seconds."""
    step = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(step)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * (size // step) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = 0
    for _ in range(size // step):
        crc = zlib.crc32(bytes(step), crc)
    name = b"zeros.bin"
    fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(stream), size)
    local = b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name
    central = (b"PK\x01\x02" + struct.pack("<H", 20) + fields
               + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0) + name)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(stream), 0)
    return local + stream + central + end


def test_zip_bomb_member_is_listed_without_content_quickly():
    data = _deflated_zeros_zip(1 << 30)
    assert len(data) < 2 << 20
    started = time.perf_counter()
    result = analyze(container(data), data)
    child, = result.children
    assert time.perf_counter() - started < 2
    assert child.size == 1 << 30 and child.read_chunks is None
    assert "limit 1000:1, zip bomb?" in child.warnings[0]


def test_expansion_budget_per_archive(monkeypatch):
    monkeypatch.setattr(archives, "MAX_EXPANDED", 250_000)
    data = zip_bytes({f"part{i}.bin": os.urandom(100_000) for i in range(4)})
    children = analyze(container(data), data).children
    assert [c.read_chunks is not None for c in children] == [True, True, False, False]
    assert children[2].warnings == ("archive would expand beyond 250000 bytes: content not read",)


def test_gzip_whose_trailer_lies_is_stopped_while_reading(monkeypatch):
    monkeypatch.setattr(archives, "RATIO_FLOOR", 1 << 16)
    data = bytearray(gzip.compress(bytes(8 << 20)))
    data[-4:] = struct.pack("<I", 10)  # claims 10 bytes
    child, = analyze(container(bytes(data), path="/x.gz"), bytes(data)).children
    assert child.read_chunks is not None
    with pytest.raises(archives.ArchiveLimitError):
        read(child)


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
    assert secret.warnings == ("encrypted member: content not read",)
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
    assert [c.path for c in result.children][:1] == ["/t.tgz/a.txt"]
    assert result.warnings and result.warnings[0].startswith("damaged tar.gz archive")


def test_not_an_archive_is_skipped():
    assert analyze(container(b"just text " * 100), b"just text " * 100) is None
