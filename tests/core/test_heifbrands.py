"""One reading of a HEIF/AVIF file's brands for the EXIF reader and the perceptual hash: a HEIC
of any HEIF brand gets both its camera and its PDQ hash."""
from __future__ import annotations

from pathlib import Path

import piexif
import pillow_heif
import pytest
from helpers import export_records, fixture_script, run_cli

from forensix import heifbrands, pdq, pixels
from plugins import exif

pictures = fixture_script("pdq_pictures")

CAMERA = piexif.dump({"0th": {piexif.ImageIFD.Make: b"Fixture", piexif.ImageIFD.Model: b"Brand Test"}})


def heic() -> bytes:
    """The fixture picture as pillow-heif writes a HEIC (brands heic; mif1 heic miaf), with a camera."""
    import io

    out = io.BytesIO()
    pillow_heif.from_pillow(pictures.drawing(1)).save(out, quality=90, exif=CAMERA)
    return out.getvalue()


@pytest.mark.parametrize("compatible", [None, (b"mif1", b"miaf", b"miaf")], ids=["with-heic", "no-coding-brand"])
def test_a_heic_of_major_brand_mif2_gets_its_camera_and_its_hash(tmp_path: Path, compatible):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    data = pictures.rebranded(heic(), b"mif2", compatible)
    assert data[8:12] == b"mif2"
    (evidence / "photo.heic").write_bytes(data)
    run_cli("scan", evidence, "--case", tmp_path / "case", "--no-progress")
    record, = export_records(tmp_path / "case")
    assert record["exif"]["make"] == "Fixture" and record["exif"]["model"] == "Brand Test"
    reference = bytes.fromhex(pictures.reference(pictures.drawing(1))["pdq"])
    assert pdq.distance(bytes.fromhex(record["pdq"]["hash"]), reference) <= 8  # lossy HEIC, as test_pdq allows
    assert not record["warnings"]


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\0\0\0\x08meta"


@pytest.mark.parametrize("head, kind", [
    (ftyp(b"heic", b"mif1", b"heic", b"miaf"), "HEIF"),   # iPhone, pillow-heif
    (ftyp(b"mif2", b"mif1", b"heic"), "HEIF"),
    (ftyp(b"mif1", b"miaf"), "HEIF"),                     # structural only: libheif says what it holds
    (ftyp(b"msf1", b"hevc"), "HEIF"),
    (ftyp(b"iso8", b"mif1", b"heic"), "HEIF"),            # a coding brand among the compatible ones
    (ftyp(b"avif", b"avif", b"mif1", b"miaf", b"MA1B"), "AVIF"),
    (ftyp(b"mif1", b"avif", b"miaf"), "AVIF"),
    (ftyp(b"msf1", b"avis", b"msf1"), "AVIF"),
    (ftyp(b"mp42", b"isom", b"mif1"), None),              # a video that lists a structural brand
    (ftyp(b"crx ", b"crx ", b"isom"), None),              # Canon CR3
    (ftyp(b"qt  ", b"qt  "), None),
])
def test_the_exif_reader_and_the_hash_decide_alike(head: bytes, kind: str | None):
    assert heifbrands.picture_kind(head) == kind
    assert pixels.sniff(head) == kind
    assert exif.kind_of(head) == (kind.lower() if kind else "bmff")
