"""Archive formats: how each is recognised, and the members it lists.

Recognition reads more than a two-byte magic wherever the format allows it
(a gzip header's method and reserved flags, bzip2's block magic, the CRC of
an xz or 7z header, a tar header's checksum), so random data that happens to
start with ``1f 8b`` is not taken for a gzip holding gigabytes.

Listing never drops a member for what it is called or what it is: an empty
name, ``..``, an absolute path and a duplicate name are all members; links,
devices and FIFOs are members without content whose ``note`` says what they
point to; an encrypted member is a member without content whose note says so.
"""
from __future__ import annotations

import binascii
import gzip
import lzma
import stat
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Callable, Iterator

import py7zr.exceptions

from forensix.records import utc_iso

ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
LINK_TARGET_LIMIT = 4096
"""Longest link target read from a zip or 7z symlink's content (the target is all it holds)."""

_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")  # first block, or end of an empty stream
_XZ_MAGIC = b"\xfd7zXZ\x00"
_7Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
DAMAGE = (zipfile.BadZipFile, tarfile.TarError, gzip.BadGzipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
          ValueError, NotImplementedError, struct.error, KeyError, py7zr.exceptions.ArchiveError)
"""What Python's archive modules and py7zr raise on damaged input."""


def damage_words(exc: BaseException) -> str:
    """What a library said about damaged data, in words even when it said nothing (zipfile raises a bare
    ``EOFError`` when a member's data ends before the size the archive declares)."""
    text = str(exc)
    if text:
        return text
    if isinstance(exc, EOFError):
        return "its data ends before the size the archive declares"
    return "the library gave no reason"


@dataclass(frozen=True, slots=True)
class Member:
    """A member as the archive lists it."""

    index: int
    """Position in the archive's own order (directories counted), for a unique address."""
    name: str
    size: int
    mtime: str | None
    open: Callable[[], IO[bytes]] | None
    """Opens the content; ``None`` for a member without content (link, device, encrypted ...)."""
    note: str | None = None
    """Why there is no content, or what a link or device points to."""


def is_tar_header(block: bytes) -> bool:
    """A 512-byte tar header whose checksum holds (ustar, GNU or old V7)."""
    if len(block) < 512 or block[148:156].strip(b" \x00") == b"":
        return False
    try:
        stored = int(block[148:156].replace(b"\x00", b" ").strip() or b"x", 8)
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:512])
    signed = unsigned - 2 * sum(b for b in block[:148] + block[156:512] if b > 127)
    return stored in (unsigned, signed) and block[:1] != b"\x00"


def _gzip_header_ok(head: bytes) -> bool:
    return head[:3] == b"\x1f\x8b\x08" and len(head) >= 10 and head[3] & 0xE0 == 0


def _xz_header_ok(head: bytes) -> bool:
    return (head[:6] == _XZ_MAGIC and len(head) >= 12 and head[6] == 0
            and struct.unpack_from("<I", head, 8)[0] == binascii.crc32(head[6:8]))


def _7z_header_ok(head: bytes) -> bool:
    return (head[:6] == _7Z_MAGIC and len(head) >= 32 and head[6] == 0
            and struct.unpack_from("<I", head, 8)[0] == binascii.crc32(head[12:32]))


def archive_format(head: bytes) -> str | None:
    """``zip``, ``tar``, ``gzip``, ``bzip2``, ``xz`` or ``7z`` from the first bytes, else ``None``."""
    if head[:4] == b"PK\x03\x04" and len(head) >= 30 or head[:4] == b"PK\x05\x06" and len(head) >= 22:
        return "zip"
    if _gzip_header_ok(head):
        return "gzip"
    if head[:3] == b"BZh" and b"1" <= head[3:4] <= b"9" and head[4:10] in _BZIP2_BLOCKS:
        return "bzip2"
    if _xz_header_ok(head):
        return "xz"
    if _7z_header_ok(head):
        return "7z"
    if is_tar_header(head[:512]):
        return "tar"
    return None


def _zip_mtime(info: zipfile.ZipInfo) -> str | None:
    """UTC from the extended-timestamp field when present, else the DOS time as
    written (local time of the machine that made the zip, so no 'Z')."""
    extra, pos = info.extra, 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x5455 and length >= 5 and pos + 9 <= len(extra) and extra[pos + 4] & 1:
            return utc_iso(struct.unpack_from("<i", extra, pos + 5)[0])
        pos += 4 + length
    try:
        return datetime(*info.date_time).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


def special_note(mode: int, target: str = "", device: tuple[int, int] | None = None) -> str | None:
    """What a link, device or FIFO is, from its POSIX file type; ``None`` for a regular file."""
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return f"symbolic link to {target!r}: a link has no content of its own"
    if kind in (stat.S_IFCHR, stat.S_IFBLK):
        what = "character" if kind == stat.S_IFCHR else "block"
        numbers = f" {device[0]},{device[1]}" if device else ""
        return f"{what} device{numbers}: a device has no content"
    if kind == stat.S_IFIFO:
        return "FIFO (named pipe): no content"
    if kind == stat.S_IFSOCK:
        return "socket: no content"
    return None


def _link_note(mode: int, read: Callable[[], IO[bytes]]) -> str | None:
    """A zip symlink's note, with the target its content holds; a link whose content is damaged
    is still a member (and the members after it are still listed)."""
    try:
        with read() as stream:
            return special_note(mode, stream.read(LINK_TARGET_LIMIT).decode("utf-8", "replace"))
    except DAMAGE:
        return "symbolic link whose target cannot be read (its data is damaged): a link has no content of its own"


def zip_entry_count(file: IO[bytes], most: int) -> int:
    """How many entries a zip's central directory holds (0 when no end record is found).

    zipfile lists every entry the directory holds, whatever count the end record declares, so when
    the directory is big enough to hold more than ``most`` entries (46 bytes each at least) its
    entry signatures are counted too, and the larger number is given.
    """
    end = zipfile._EndRecData(file)  # the stdlib's own reader of the end record
    if not end:
        return 0
    declared, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if size // 46 <= most:
        return declared
    stop = end[zipfile._ECD_LOCATION]
    position = max(0, stop - size - 76)  # a ZIP64 end record and its locator may sit in between
    counted, carry = 0, b""
    while position < stop:
        file.seek(position)
        block = carry + file.read(min(16 << 20, stop - position))
        counted += block.count(b"PK\x01\x02")
        position += len(block) - len(carry)
        carry = block[-3:]
        if len(block) == len(carry):
            break
    return max(declared, counted)


def zip_members(file: IO[bytes]) -> Iterator[Member]:
    archive = zipfile.ZipFile(file)
    for index, info in enumerate(archive.infolist()):
        name = info.filename
        # A directory entry holds nothing; one that holds bytes is a hiding place and is kept.
        if name.endswith("/") and info.file_size == 0 and info.compress_size <= 2:
            continue
        opener = (lambda info=info: archive.open(info))
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        note = None
        if info.flag_bits & 0x1:
            note = "encrypted member: content not read (no password)"
        elif info.compress_type not in ZIP_METHODS:
            note = f"compression method {info.compress_type} not supported: content not read"
        elif stat.S_IFMT(mode) == stat.S_IFLNK:
            note = _link_note(mode, opener)
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            note = special_note(mode)
        yield Member(index, name, info.file_size, _zip_mtime(info), None if note else opener, note)


TAR_HEADER_LIMIT = 4 << 20
"""Most a tar member's headers may hold (pax records, a GNU long name or link, a sparse map):
tarfile reads each whole into memory, so a crafted size would otherwise be read whole."""


class TarHeadersTooLarge(tarfile.TarError):
    """A member's headers hold more than :data:`TAR_HEADER_LIMIT`."""


class _HeaderGuard:
    """The tar as tarfile reads it: what it reads while parsing one member's headers counts
    against :data:`TAR_HEADER_LIMIT` (``left``); reading a member's content does not (None)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.left: int | None = None

    def read(self, size: int | None = -1) -> bytes:
        if self.left is not None:
            if size is None or size < 0 or size > self.left:
                raise TarHeadersTooLarge(f"a member's headers (pax records, a long name or a sparse map) hold more "
                                         f"than {TAR_HEADER_LIMIT >> 20} MiB: not read, nor the rest of the tar")
            self.left -= size
        return self._file.read(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def tar_members(file: IO[bytes], cut: tuple[int, str] | None = None) -> Iterator[Member]:
    """Members of an uncompressed tar (compressed ones are expanded before).

    ``cut``: the tar's bytes stop at this offset, for this reason (an expansion
    limit, damaged compressed data); members whose content lies past it are
    listed without content. Headers are read within :data:`TAR_HEADER_LIMIT`, and
    tarfile's list of every entry read is emptied as the listing goes (members are
    opened by their own entry, never looked up by name), so neither a crafted header
    nor a tar of millions of folders holds memory in proportion.
    """
    guard = _HeaderGuard(file)
    guard.left = TAR_HEADER_LIMIT
    archive = tarfile.open(fileobj=guard, mode="r:")
    index = -1
    while True:
        guard.left = TAR_HEADER_LIMIT
        info = archive.next()
        guard.left = None
        archive.members.clear()
        if info is None:
            return
        index += 1
        if info.isdir():
            continue
        mtime = utc_iso(info.mtime)
        if info.isreg() and cut is not None and info.offset_data + info.size > cut[0]:
            yield Member(index, info.name, info.size, mtime, None, f"content not read: {cut[1]}")
        elif info.isreg():
            yield Member(index, info.name, info.size, mtime, lambda info=info: archive.extractfile(info))
        elif info.islnk():
            yield Member(index, info.name, 0, mtime, None,
                         f"hard link to {info.linkname!r}: its content is that member's")
        elif info.issym():
            yield Member(index, info.name, 0, mtime, None, special_note(stat.S_IFLNK, info.linkname))
        else:
            kind = {tarfile.CHRTYPE: stat.S_IFCHR, tarfile.BLKTYPE: stat.S_IFBLK,
                    tarfile.FIFOTYPE: stat.S_IFIFO}.get(info.type)
            note = (special_note(kind, device=(info.devmajor, info.devminor)) if kind is not None
                    else f"tar entry of type {info.type!r} not supported: content not read")
            yield Member(index, info.name, 0, mtime, None, note)


def gzip_header_name(head: bytes) -> tuple[str | None, str | None]:
    """The original file name and mtime a gzip header records (RFC 1952)."""
    if len(head) < 10:
        return None, None
    flags, mtime = head[3], struct.unpack_from("<I", head, 4)[0]
    pos = 10
    if flags & 0x04 and pos + 2 <= len(head):  # FEXTRA
        pos += 2 + struct.unpack_from("<H", head, pos)[0]
    name = None
    if flags & 0x08:  # FNAME, zero-terminated ISO 8859-1
        end = head.find(b"\x00", pos)
        if end > pos:
            name = head[pos:end].decode("latin-1")
    return name, utc_iso(mtime)


def stream_member_name(archive_name: str, fmt: str, head: bytes) -> str:
    """The name of a gzip/bzip2/xz stream's one member: gzip's FNAME, else the
    archive's name without its extension (``.tgz`` and the like give ``.tar``)."""
    if fmt == "gzip":
        name, _ = gzip_header_name(head)
        if name:
            return name
    stem, dot, ext = archive_name.rpartition(".")
    if not (dot and stem):
        return archive_name + ".out"
    return stem + ".tar" if ext.lower() in ("tgz", "tbz", "tbz2", "txz", "taz") else stem
