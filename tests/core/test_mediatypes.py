"""extension_mismatch by format family, from shared-mime-info, media-types and libmagic's own table.

Each case names a real pair libmagic and an extension produce; the reason is
in the comment where the pair is not obvious.
"""
from __future__ import annotations

import pytest

from forensix import mediatypes


@pytest.mark.parametrize(("extension", "content", "mismatch"), [
    # same format under another name
    ("jpeg", "image/pjpeg", False), ("pcx", "image/x-pcx", False), ("heic", "image/heif", False),
    ("tga", "image/x-tga", False), ("m4a", "audio/x-m4a", False), ("mts", "video/MP2T", False),
    # a subclass or a sibling under a specific format
    ("nef", "image/tiff", False), ("tif", "image/x-canon-cr2", False), ("cr2", "image/x-nikon-nef", False),
    ("mp4", "video/3gpp", False), ("pnm", "image/x-portable-pixmap", False), ("eps", "image/x-eps", False),
    ("xlsx", "application/zip", False), ("jar", "application/zip", False), ("apk", "application/zip", False),
    ("zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    # one family through a shared container: libmagic names a zip or OLE2 office file by its first member
    ("xlsx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ("doc", "application/vnd.ms-excel", False), ("so", "application/x-object", False),
    ("csv", "text/plain", False), ("bat", "text/plain", False), ("svg", "text/plain", False),
    ("json", "text/plain", False), ("doc", "application/msword", False),
    # names only libmagic uses, tied to extensions by its own database or by the name itself
    ("exe", "application/x-dosexec", False), ("dll", "application/x-dosexec", False),
    ("pgm", "image/x-portable-greymap", False), ("ico", "image/x-os2-ico", False),
    ("bmp", "image/x-os2-graphics", False), ("doc", "application/CDFV2", False),
    ("lnk", "application/x-ms-shortcut", False),
    # relations no table states (mediatypes._UNSTATED)
    ("mov", "video/mp4", False), ("mp4", "video/quicktime", False), ("ai", "application/pdf", False),
    ("cr3", "video/mp4", False), ("orf", "image/tiff", False), ("png", "image/apng", False),
    ("heic", "image/avif", False), ("ico", "image/bmp", False),
    # doubts are not contradictions
    ("txt", "application/octet-stream", False), ("e01", "image/jpeg", False), ("xmp", "text/plain", False),
    ("psb", "image/vnd.adobe.photoshop", False),  # .psb's only table entry is a 3GPP format nothing detects
    # real contradictions
    ("jpg", "text/plain", True), ("json", "application/x-mach-binary", True), ("log", "image/jpeg", True),
    ("tif", "video/mp4", True), ("mp4", "image/tiff", True), ("crw", "image/jpeg", True), ("docx", "text/plain", True), ("pdf", "text/plain", True),
    ("txt", "application/x-executable", True), ("txt", "image/png", True), ("png", "image/jpeg", True),
    ("nef", "image/jpeg", True), ("mp3", "text/plain", True), ("mp3", "audio/x-hx-aac-adts", True),
    ("pdf", "application/x-dosexec", True), ("jpg", "application/x-dosexec", True),
    ("zip", "application/x-dosexec", True),
])
def test_extension_against_content(extension: str, content: str, mismatch: bool) -> None:
    assert mediatypes.extension_mismatch(extension, content) is mismatch


def test_libmagic_database_is_read() -> None:
    """The extensions libmagic lists for its own names come out of magic.mgc."""
    assert {"exe", "com"} <= mediatypes._libmagic_extensions()["application/x-dosexec"]


def test_aliases_come_from_shared_mime_info() -> None:
    assert mediatypes.canonical("image/x-pcx") == mediatypes.canonical("image/vnd.zbrush.pcx")
    assert "image/tiff" in mediatypes.ancestors("image/x-canon-cr2")


def test_generic_containers_do_not_make_a_family() -> None:
    """Scripts are x-executables and camera raws x-dcraws; neither joins what is built on them."""
    assert mediatypes.family("application/json") != mediatypes.family("application/x-sharedlib")
    assert mediatypes.family("image/x-canon-crw") != mediatypes.family("image/tiff")
    assert mediatypes.family("image/x-canon-cr2") == mediatypes.family("image/tiff")
