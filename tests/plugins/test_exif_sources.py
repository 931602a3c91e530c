"""Each metadata source of the EXIF plugin on real third-party bytes (../shared/corpus-pictures).

The expected values are ExifTool's (truth.json): a serial, position, device or
time counts when it equals one of ExifTool's, whatever group ExifTool found it in.
"""
from __future__ import annotations

import pytest

from forensix.records import Digests, FileEntry
from plugins import exif


def read(pictures, path: str, chunk: int = 1 << 20) -> dict:
    """The plugin's ``exif`` value for a corpus file, fed as the engine feeds it."""
    data = pictures.bytes(path)
    entry = FileEntry(evidence="corpus", volume_offset=0, fs_type="folder", path=f"/{path}", inode="1",
                      deleted=False, size=len(data))
    analyzer = exif.forensix_file_analyzer(entry=entry, head=data[:chunk])
    assert analyzer is not None, path
    for offset in range(0, len(data), chunk):
        analyzer.feed(data[offset:offset + chunk], offset)
    result = analyzer.finish(Digests(None, None, None, len(data)))
    return result.data or {}


@pytest.mark.parametrize("path", [
    "jpg/Panasonic DMC-LC70 (Lumix).jpg",   # Panasonic: InternalSerialNumber in the maker note
    "jpg/Olympus PEN E-P3.jpg",             # Olympus: Equipment IFD, offsets from the note
    "jpg/Olympus X-2.jpg",                  # old Olympus note, offsets from the TIFF header
    "jpg/Pentax ist D.jpg",                 # Pentax AOC note: CameraInfo's internal serial
    "jpg/FujiFilm FinePix F40fd.jpg",       # Fujifilm: little-endian IFD after its own header
    "jpg/Kodak Z1012 IS.jpg",               # Kodak: a TIFF inside the note, serial in a sub-IFD
    "jpg/Reconyx HF2 Pro Covert.jpg",       # Reconyx HyperFire 2: fixed UTF-16 record
    "jpg/Issue 211.jpg",                    # Reconyx HyperFire
    "nef/Issue 247-1.nef",                  # Nikon type 2 note (a JPEG named .nef)
    "jpg/Canon EOS 7D.jpg",                 # serial only in XMP (aux:SerialNumber)
    "jpg/FLIR Vue Pro 640.jpg",             # FLIR: CameraInfo record in the APP1 FFF segments
    "avif/Issue 649.avif",                  # AVIF through Pillow: EXIF BodySerialNumber
    "xmp/APhotoManager-exmaple.xmp",        # XMP sidecar: MicrosoftPhoto:CameraSerialNumber
])
def test_serial_matches_exiftool(pictures, path):
    assert read(pictures, path)["serial"] in pictures[path]["serial"]


@pytest.mark.parametrize("path", [
    "webp/HTC Desire.webp",            # WebP through Pillow: EXIF chunk
    "heic/exif-at-eof.heic",           # HEIC through pillow-heif: EXIF item at the end of the file
    "mov/with-gps.mov",                # QuickTime mdta keys: com.apple.quicktime.location.ISO6709
    "mp4/with-gps.mp4",                # QuickTime user data: ©xyz
    "mp4/ftyp3gp5.mp4",                # 3GPP brand, position 0,0
    "jpg/Nikon D5000.jpg",             # XMP in the JPEG (its EXIF GPS is empty)
    "jpg/FLIR iPhone device.jpg",      # FLIR GPSInfo record, signed by its reference
    "xmp/exiftool-9.74-example.xmp",   # XMP sidecar
])
def test_position_matches_exiftool(pictures, path):
    data = read(pictures, path)
    assert any(abs(data["gps_latitude"] - lat) < 5e-5 and abs(data["gps_longitude"] - lon) < 5e-5
               for lat, lon in pictures[path]["gps"])


@pytest.mark.parametrize("path", ["webp/Nikon D1X.webp", "mov/with-gps.mov", "avif/Issue 649.avif",
                                  "heic/IMG_2927.HEIC", "mts/Sony ILCE-7M3 (A7M3).mts"])
def test_device_matches_exiftool(pictures, path):
    data, truth = read(pictures, path), pictures[path]
    assert not truth["make"] or data["make"] in truth["make"]  # AVCHD's make is a code ExifTool leaves a number
    assert data["model"] in truth["model"]


@pytest.mark.parametrize("path", ["jpg/Reconyx HC500 firmware 3.3.0.jpg", "jpg/FLIR Vue Pro 640.jpg",
                                  "webp/HTC Desire.webp", "mts/Sony ILCE-7M3 (A7M3).mts"])
def test_capture_time_matches_exiftool(pictures, path):
    assert read(pictures, path)["datetime_original"][:19] in {t[:19] for t in pictures[path]["datetime_original"]}


def test_png_exif_after_the_image_data(pictures):
    """eXIf after IDAT, where Pillow would only see it by decoding the pixels."""
    assert read(pictures, "png/sampleWithExifData.png")["software"] == pictures["png/sampleWithExifData.png"][
        "exiftool"]["IFD0:Software"]


@pytest.mark.parametrize("path", ["mov/with-gps.mov", "png/sampleWithExifData.png"])
def test_boxes_and_chunks_are_kept_whatever_the_chunking(pictures, path):
    """moov after a large mdat, eXIf after IDAT: only what holds metadata is kept, across chunk boundaries."""
    assert read(pictures, path, chunk=97) == read(pictures, path)


def test_an_xmp_packet_nested_deep_is_walked_once() -> None:
    """Each element with children stands for its first text leaf; finding it by walking the
    element's whole subtree, for every element, made a packet nested N deep cost N²/2 visits
    (a 4 MB sidecar: hours). The tree is walked once whatever its depth."""
    import sys

    from plugins.picturemeta import xmp

    depth = 2000
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Make>'
              + b"<a>" * depth + b"Canon" + b"</a>" * depth + b"</tiff:Make></x:xmpmeta>")
    walks = 0

    def count(frame, event, arg) -> None:
        nonlocal walks
        walks += event == "c_call" and getattr(arg, "__name__", "") == "iter"
    sys.setprofile(count)
    try:
        found, problems = xmp.read(packet)
    finally:
        sys.setprofile(None)
    assert (found, problems) == ({"make": "Canon"}, [])
    assert walks == 1


def test_an_xmp_sidecar_of_a_million_empty_elements_is_refused_in_words() -> None:
    """Parsed, 1,000,000 ``<a/>`` (4 MB, under the packet limit) cost some 250 MB of elements."""
    from plugins.picturemeta import xmp

    packet = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><Make>' + b"<a/>" * 1_000_000 + b"</Make></x:xmpmeta>"
    assert xmp.read(packet) == ({}, ["XMP packet of 1000004 tags not read (limit 200000)"])


def test_a_heif_whose_pictures_are_all_unreadable_is_told_in_words(pictures) -> None:
    """One damaged property association (a byte of the ipma box) leaves libheif no picture, and
    pillow-heif then raised IndexError: the examiner read 'list index out of range'."""
    data = bytearray(pictures.bytes("avif/Issue 649.avif"))
    data[8:12] = b"heic"  # read through libheif, as a HEIC is
    data[296] = 57
    entry = FileEntry(evidence="corpus", volume_offset=0, fs_type="folder", path="/x.avif", inode="1",
                      deleted=False, size=len(data))
    analyzer = exif.forensix_file_analyzer(entry=entry, head=bytes(data[:1 << 20]))
    analyzer.feed(bytes(data), 0)
    assert analyzer.finish(Digests(None, None, None, len(data))).warnings == (
        "EXIF damaged: the HEIF container could not be read (it holds no picture libheif can read)",)
