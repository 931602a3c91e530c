"""The EXIF plugin on real camera pictures and on the fixtures in tests/fixtures/exif.

Expected values are ExifTool's (``exiftool -n -json``): truth.json for the
corpus photos, expected.json (written by make_exif_fixtures.py) for the fixtures.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from forensix.records import AnalyzerResult, Digests, FileEntry
from plugins import exif
from helpers import fixture_script

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exif"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
NO_DIGESTS = Digests(md5=None, sha1=None, sha256=None, bytes_read=0)

EXIFTOOL_KEYS = {
    "Make": "make", "Model": "model", "SerialNumber": "serial", "Software": "software",
    "DateTimeOriginal": "datetime_original", "CreateDate": "datetime_digitized",
    "GPSLatitude": "gps_latitude", "GPSLongitude": "gps_longitude", "GPSAltitude": "gps_altitude",
    "GPSDateTime": "gps_datetime", "Orientation": "orientation",
}
DIVERGENCES = {
    # ExifTool drops a segment cut short; the plugin keeps what the surviving bytes hold (and warns).
    "truncated_app1.jpg": {"make", "model", "software", "datetime_original", "datetime_digitized",
                           "serial", "orientation"},
    # The latitude is unreadable, so the plugin reports no position at all rather than half of one.
    "huge_count.jpg": {"gps_longitude"},
    # The thumbnail offset has no value: ExifTool reads ThumbnailLength bytes from offset 0 (not a JPEG);
    # the plugin reports no thumbnail.
    "bad_thumbnail_ifd.jpg": {"thumbnail"},
}


def analyse(data: bytes, name: str, chunk_size: int = 4096) -> AnalyzerResult | None:
    """Run the plugin as the engine does: head, then every chunk in order, then finish."""
    entry = FileEntry(evidence="test", volume_offset=0, fs_type="test", path=f"/{name}", inode="1",
                      deleted=False, size=len(data))
    analyzer = exif.forensix_file_analyzer(entry=entry, head=data[:1 << 20])
    if analyzer is None:
        return None
    for offset in range(0, len(data), chunk_size):
        analyzer.feed(data[offset:offset + chunk_size], offset)
    return analyzer.finish(NO_DIGESTS)


def exiftool_as_record(view: dict) -> dict:
    """ExifTool's values under the plugin's keys; empty strings count as absent."""
    return {EXIFTOOL_KEYS[k]: (str(v) if k == "SerialNumber" else v)
            for k, v in view.items() if k in EXIFTOOL_KEYS and v != ""}


def assert_same(mine: dict, theirs: dict, skip: set[str] = frozenset()) -> None:
    mine = {k: v for k, v in mine.items() if k in EXIFTOOL_KEYS.values() and k not in skip}
    theirs = {k: v for k, v in theirs.items() if k not in skip}
    assert mine.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, float) or key.startswith("gps_") and key != "gps_datetime":
            assert mine[key] == pytest.approx(value, abs=1e-9), key
        else:
            assert mine[key] == value, key


@pytest.mark.parametrize("index", range(5))
def test_corpus_photos_match_exiftool(corpus: Path, truth: dict, index: int) -> None:
    expected = truth["exif"][index]
    result = analyse((corpus / expected["SourceFile"]).read_bytes(), expected["SourceFile"])
    assert result.warnings == ()
    theirs = exiftool_as_record(expected)
    if not theirs:
        assert result.data is None  # IMG_0004 has XMP only, no EXIF
        return
    mine = {k: v for k, v in result.data.items() if k in theirs}
    assert_same(mine, theirs)


def test_corpus_photo_thumbnail_and_gps_time(corpus: Path) -> None:
    """IMG_0000: exiftool -b -ThumbnailImage | md5sum, and ExifTool's Composite:GPSDateTime."""
    data = analyse((corpus / "exif" / "IMG_0000.JPG").read_bytes(), "IMG_0000.JPG").data
    assert data["thumbnail"] == {"present": True, "md5": "23a9f2161add0898c81e98c6d92f5b06"}
    assert data["gps_datetime"] == "2008:10:23 14:27:07.24Z"
    assert data["orientation"] == 1
    assert "gps_altitude" not in data  # GPSAltitudeRef without GPSAltitude


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_matches_exiftool(name: str) -> None:
    view = EXPECTED[name]
    result = analyse((FIXTURES / name).read_bytes(), name)
    if not exiftool_as_record(view) and "Warning" not in view:
        assert result.data is None and result.warnings == ()
        return
    assert_same(result.data, exiftool_as_record(view), skip=DIVERGENCES.get(name, set()))
    if "thumbnail" not in DIVERGENCES.get(name, ()):
        thumbnail = result.data["thumbnail"]
        assert thumbnail["present"] == ("ThumbnailMD5" in view)
        assert thumbnail.get("md5") == view.get("ThumbnailMD5")


@pytest.mark.parametrize(("name", "damage"), [
    ("truncated_app1.jpg", "EXIF segment truncated (300 of 1051 bytes)"),
    ("bad_ifd_offset.jpg", "GPS IFD offset 2147483632 points past the end of the data"),
    ("huge_count.jpg", "GPS latitude unreadable (its values lie past the end of the data)"),
    ("huge_makernote.jpg", "MakerNote of 4294967295 bytes extends past the end of the data"),
    ("bad_thumbnail_ifd.jpg", "EXIF thumbnail offset has no value"),
])
def test_damaged_exif_costs_one_warning(name: str, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    started = time.perf_counter()
    with caplog.at_level(logging.DEBUG):
        result = analyse((FIXTURES / name).read_bytes(), name)
    assert time.perf_counter() - started < 2
    assert len(result.warnings) == 1 and damage in result.warnings[0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_damaged_thumbnail_ifd_keeps_the_other_tags() -> None:
    data = analyse((FIXTURES / "bad_thumbnail_ifd.jpg").read_bytes(), "x.jpg").data
    assert (data["make"], data["gps_longitude"]) == ("Nikon", pytest.approx(2.294481, abs=1e-9))
    assert data["thumbnail"] == {"present": False}


def test_truncated_segment_keeps_what_survives() -> None:
    data = analyse((FIXTURES / "truncated_app1.jpg").read_bytes(), "x.jpg").data
    assert (data["make"], data["model"], data["serial"]) == ("Apple", "iPhone 12", "DNPXK12345")
    assert "gps_latitude" not in data and data["thumbnail"] == {"present": False}


def test_zero_length_strings_are_omitted_without_warning() -> None:
    result = analyse((FIXTURES / "zero_length_strings.jpg").read_bytes(), "x.jpg")
    assert result.warnings == ()
    assert not {"make", "model", "software"} & result.data.keys()
    assert [f.kind for f in result.findings] == ["gps"]


@pytest.mark.parametrize("chunk_size", [1, 7, 4096, 1 << 20])
def test_chunking_does_not_change_the_result(chunk_size: int) -> None:
    """The EXIF segment sits after a 12 KB APP2 here, so it spans many chunks."""
    data = (FIXTURES / "app1_after_large_app2.jpg").read_bytes()
    assert analyse(data, "x.jpg", chunk_size) == analyse(data, "x.jpg", len(data))
    assert analyse(data, "x.jpg", chunk_size).data["model"] == "ILCE-7M3"


def test_fill_bytes_before_markers_are_skipped() -> None:
    data = (FIXTURES / "gps_nw.jpg").read_bytes()
    padded = data[:2] + b"\xff" * 5 + data[2:]
    assert analyse(padded, "x.jpg") == analyse(data, "x.jpg")


def test_findings_for_the_report() -> None:
    result = analyse((FIXTURES / "gps_sw.jpg").read_bytes(), "x.jpg")
    gps, camera = result.findings
    assert (gps.plugin, gps.kind, gps.value) == ("exif", "gps", "-22.951916,-43.210487")
    assert gps.detail["gps_altitude"] == 700.0 and gps.detail["gps_datetime"] == "2023:06:01 13:05:31.25Z"
    assert (camera.kind, camera.value) == ("camera", "Canon Canon EOS R6 032021001234")
    assert camera.detail == {"make": "Canon", "model": "Canon EOS R6", "serial": "032021001234"}


def test_large_tiff_is_read_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past BUFFER_LIMIT a TIFF's offsets point beyond the kept bytes; the warning says why."""
    data = (FIXTURES / "tiff_with_exif.tif").read_bytes()
    monkeypatch.setattr(exif, "BUFFER_LIMIT", 300)
    result = analyse(data, "big.tif", chunk_size=100)
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("EXIF damaged: (only the first 300 bytes were read)")


@pytest.mark.parametrize("head", [b"\x00\x00\x00\x18ftypheic", b"II*\x00\x08\x00\x00\x00", b"IIRO\x08\x00\x00\x00",
                                  b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBPVP8X", b"\x00\x00\x00\x14ftypqt  ",
                                  b"FUJIFILMCCD-RAW ", b"<?xpacket begin=''?><x:xmpmeta"])
def test_pictures_videos_and_xmp_are_claimed(head: bytes) -> None:
    entry = FileEntry(evidence="test", volume_offset=0, fs_type="test", path="/x", inode="1", deleted=False, size=64)
    assert exif.forensix_file_analyzer(entry=entry, head=head + bytes(52)) is not None


@pytest.mark.parametrize("head", [b"<?xml version='1.0'?><html/>" + bytes(32), b"plain text, not a picture",
                                  b"PK\x03\x04" + bytes(32)])
def test_other_formats_are_not_claimed(head: bytes) -> None:
    assert analyse(head, "x.bin") is None


@pytest.mark.parametrize("picture", ["gps_ne_below_sea.jpg", "canon_makernote_serial.jpg", "tiff_with_exif.tif"])
def test_mutated_exif_never_raises(picture: str) -> None:
    """Seeded mutation of real pictures' EXIF bytes, as a fuzzer would: each damaged
    copy gives a result with at most one warning, never an exception or log spray."""
    import random

    original = (FIXTURES / picture).read_bytes()
    rng = random.Random(f"exif-mutation:{picture}")
    region = min(len(original), 4096)  # the EXIF block sits at the start of these files
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(2, region)] = rng.randrange(256)
        result = analyse(bytes(data), picture)
        assert result is None or len(result.warnings) <= 1


# -- odd and hostile TIFF structures (tests/fixtures/picture_fixtures.py) -----------

pictures_built = fixture_script("picture_fixtures")


def test_software_written_as_bytes_is_text_and_an_empty_model_is_absent() -> None:
    result = analyse(pictures_built.odd_types_tiff(), "scan.tif")
    assert result.warnings == ()
    assert result.data["software"] == "Scanner Suite 3.1" and result.data["make"] == "Epson"
    assert "model" not in result.data


def test_crafted_tiff_costs_one_warning_in_words() -> None:
    """Counts of billions, self-referencing IFDs, a 4 GB maker note: nothing is read
    past the data and nothing loops (its cost is measured by bench/analyzers_bench.py)."""
    result = analyse(pictures_built.crafted_tiff(1 << 20), "crafted.tif", chunk_size=1 << 20)
    assert len(result.warnings) == 1
    assert "points past the end of the data" in result.warnings[0]
    assert "Error" not in result.warnings[0]
    assert "make" not in (result.data or {})


def test_webp_claiming_a_huge_canvas_is_a_warning_not_a_failure() -> None:
    result = analyse(pictures_built.huge_canvas_webp(), "x.webp")
    assert len(result.warnings) == 1 and result.warnings[0].startswith("EXIF damaged: the WEBP container")
    assert "Error" not in result.warnings[0]


def test_jpeg_cut_inside_a_marker_is_no_damage_to_report() -> None:
    """A file cut one byte into the marker after a segment holds no EXIF: nothing to say
    (it once raised, and the examiner read 'index out of range')."""
    jfif = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    result = analyse(jfif + b"\xff", "cut.jpg")
    assert result.warnings == () and result.data is None


def test_counts_of_millions_inside_the_data_cost_no_more_than_the_values_used() -> None:
    """Orientation and four GPS tags each claim 262,144 values that all lie inside the file:
    the reader decodes the few it uses, not a list (or Fractions) of every value claimed."""
    import tracemalloc

    data = pictures_built.huge_count_tiff(1 << 18)
    tracemalloc.start()
    try:
        result = analyse(data, "counts.tif", chunk_size=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.data["orientation"] == 0 and result.data["gps_altitude"] == 1.0  # the first of each
    assert result.warnings == ("EXIF damaged: GPS latitude has 262144 values; GPS longitude has 262144 values",)
    assert peak < 4 * len(data), f"{peak} bytes allocated for a {len(data)}-byte file"


def test_metadata_kept_from_a_png_is_bounded_whatever_its_number_of_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each iTXt chunk was checked against the limit alone, so a PNG of many large ones was kept
    whole in memory (a 4 GB file: 4 GB). The limit is now on all the chunks kept."""
    import struct
    import zlib

    monkeypatch.setattr(exif, "BOX_LIMIT", 10_000)
    chunk = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + b" " * 4000

    def png_chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    data = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", bytes(13)) + png_chunk(b"iTXt", chunk) * 50
            + png_chunk(b"IEND", b""))
    entry = FileEntry(evidence="test", volume_offset=0, fs_type="test", path="/many.png", inode="1", deleted=False,
                      size=len(data))
    analyzer = exif.forensix_file_analyzer(entry=entry, head=data[:1 << 20])
    analyzer.feed(data, 0)
    assert len(analyzer._boxes.kept) <= 10_000
    assert analyzer.finish(NO_DIGESTS).warnings == (
        "EXIF damaged: 'iTXt' of 4026 bytes not read (limit 10000 bytes of metadata a file)",)
