"""A deterministic EWF-E01 (EnCase 6 layout) writer for the demo evidence.

``ewfacquire`` stamps the acquisition time and a random set identifier into
every image, so two runs never give the same bytes; training material must be
reproducible ("same seed, same evidence, byte for byte"), hence this writer.
The layout follows libewf's "Expert Witness Compression Format" description
and what ``ewfacquire -f encase6`` writes:

* segment 1: file header, header2 ×2, header, volume, sectors, table, table2, next
* segments 2…n: file header, data (copy of volume), sectors, table, table2,
  then ``next``, or in the last segment digest, hash, done.

Chunks are 64 sectors of 512 bytes, zlib-compressed (stored with an Adler-32
when compression does not pay). Every section descriptor and fixed-size body
carries an Adler-32 checksum, which ``ewfverify`` checks along with the MD5.
"""
from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from forensix.evidence.ewf import EWF1_SIGNATURE as SIGNATURE

SECTOR = 512
SECTORS_PER_CHUNK = 64
CHUNK = SECTOR * SECTORS_PER_CHUNK
DESCRIPTOR = 76
VOLUME_SIZE = 1052
COMPRESSED = 0x80000000
DEFAULT_SEGMENT_SIZE = 4 << 20


@dataclass(frozen=True, slots=True)
class AcquisitionInfo:
    """What an examiner types into the imaging tool; stored in the header sections."""

    case_number: str
    evidence_number: str
    description: str
    examiner: str
    notes: str
    acquired: datetime
    """Acquisition time (UTC); fixed by the demo seed, never the clock."""
    set_identifier: bytes = bytes(16)
    """The volume section's segment-set GUID."""


def _adler(data: bytes) -> int:
    return zlib.adler32(data) & 0xFFFFFFFF


def _descriptor(kind: str, offset: int, size: int, next_offset: int | None = None) -> bytes:
    body = struct.pack("<16sQQ40x", kind.encode("ascii"), offset + size if next_offset is None else next_offset, size)
    return body + struct.pack("<I", _adler(body))


def _header_texts(info: AcquisitionInfo) -> tuple[bytes, bytes]:
    """header2 (UTF-16LE, POSIX times) and header (ASCII, ``Y M D h m s``), uncompressed."""
    stamp = str(int(info.acquired.replace(tzinfo=timezone.utc).timestamp()))
    values = [info.description, info.case_number, info.evidence_number, info.examiner, info.notes,
              "", "", "forensix", "Linux", stamp, stamp, "0", ""]
    header2 = ("3\nmain\na\tc\tn\te\tt\tmd\tsn\tav\tov\tm\tu\tp\tdc\n" + "\t".join(values) + "\n\n"
               "srce\n0\t1\np\tn\tid\tev\ttb\tlo\tpo\tah\tgu\taq\n0\t0\n\t\t\t\t\t-1\t-1\t\t\t\n\n"
               "sub\n0\t1\np\tn\tid\tnu\tco\tgu\n0\t0\n\t\t\t\t1\t\n\n")
    a = info.acquired
    when = f"{a.year} {a.month} {a.day} {a.hour} {a.minute} {a.second}"
    header = ("1\r\nmain\r\nc\tn\ta\te\tt\tav\tov\tm\tu\tp\r\n"
              + "\t".join([info.case_number, info.evidence_number, info.description, info.examiner, info.notes,
                           "forensix", "Linux", when, when, "0"]) + "\r\n\r\n")
    return b"\xff\xfe" + header2.encode("utf-16-le"), header.encode("ascii", "replace")


def _volume(chunks: int, sectors: int, set_identifier: bytes) -> bytes:
    body = struct.pack("<B3xIIIQIIIB3xI4xIB3xI4x16s963x5x", 1, chunks, SECTORS_PER_CHUNK, SECTOR, sectors,
                       0, 0, 0, 0x03, 0, 0, 1, SECTORS_PER_CHUNK, set_identifier)
    assert len(body) == VOLUME_SIZE - 4
    return body + struct.pack("<I", _adler(body))


def _table(base: int, offsets: list[int]) -> bytes:
    head = struct.pack("<I4xQ4x", len(offsets), base)
    entries = struct.pack(f"<{len(offsets)}I", *offsets)
    return head + struct.pack("<I", _adler(head)) + entries + struct.pack("<I", _adler(entries))


def _chunk(data: bytes) -> tuple[bytes, bool]:
    packed = zlib.compress(data, 6)
    if len(packed) < len(data):
        return packed, True
    return data + struct.pack("<I", _adler(data)), False


class _Segment:
    """One segment file being written: sections appended back to back."""

    def __init__(self, path: Path, number: int) -> None:
        self.path = path
        self.f: BinaryIO = open(path, "wb")
        self.f.write(SIGNATURE + struct.pack("<BHH", 1, number, 0))

    @property
    def offset(self) -> int:
        return self.f.tell()

    def section(self, kind: str, body: bytes) -> None:
        self.f.write(_descriptor(kind, self.offset, DESCRIPTOR + len(body)) + body)

    def last(self, kind: str) -> None:
        """``next`` / ``done``: size 0 and pointing at itself, as EnCase writes them."""
        self.f.write(_descriptor(kind, self.offset, 0, next_offset=self.offset))
        self.f.close()


def segment_name(base: Path, number: int) -> Path:
    """``.E01`` … ``.E99`` then ``.EAA`` …, as EnCase names segments."""
    if number < 100:
        return base.with_name(f"{base.name}.E{number:02d}")
    n = number - 100
    return base.with_name(f"{base.name}.E{chr(65 + n // 26)}{chr(65 + n % 26)}")


def write_e01(raw: Path, base: Path, info: AcquisitionInfo,
              segment_size: int = DEFAULT_SEGMENT_SIZE) -> list[Path]:
    """Write ``raw`` as ``base.E01``, ``base.E02`` …; return the segment paths.

    A segment is closed when its sectors section would pass ``segment_size``;
    the image size must be a whole number of sectors.
    """
    size = raw.stat().st_size
    if size % SECTOR:
        raise ValueError(f"{raw}: {size} bytes is not a whole number of {SECTOR}-byte sectors")
    chunks = -(-size // CHUNK)
    volume = _volume(chunks, size // SECTOR, info.set_identifier)
    header2, header = _header_texts(info)
    md5, sha1 = hashlib.md5(), hashlib.sha1()
    paths: list[Path] = []
    with open(raw, "rb") as source:
        data = source.read(CHUNK)
        while True:
            segment = _Segment(segment_name(base, len(paths) + 1), len(paths) + 1)
            paths.append(segment.path)
            if len(paths) == 1:
                packed2 = zlib.compress(header2, 9)
                segment.section("header2", packed2)
                segment.section("header2", packed2)
                segment.section("header", zlib.compress(header, 9))
                segment.section("volume", volume)
            else:
                segment.section("data", volume)
            base_offset = segment.offset
            segment.f.write(bytes(DESCRIPTOR))  # the sectors descriptor, written once its size is known
            offsets: list[int] = []
            while data and (not offsets or segment.offset - base_offset + CHUNK < segment_size):
                md5.update(data)
                sha1.update(data)
                packed, compressed = _chunk(data)
                offsets.append((segment.offset - base_offset) | (COMPRESSED if compressed else 0))
                segment.f.write(packed)
                data = source.read(CHUNK)
            end = segment.offset
            segment.f.seek(base_offset)
            segment.f.write(_descriptor("sectors", base_offset, end - base_offset))
            segment.f.seek(end)
            table = _table(base_offset, offsets)
            segment.section("table", table)
            segment.section("table2", table)
            if data:
                segment.last("next")
                continue
            digest = md5.digest() + sha1.digest() + bytes(40)
            segment.section("digest", digest + struct.pack("<I", _adler(digest)))
            hashed = md5.digest() + bytes(16)
            segment.section("hash", hashed + struct.pack("<I", _adler(hashed)))
            segment.last("done")
            return paths
