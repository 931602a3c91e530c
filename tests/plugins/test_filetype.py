"""The file-type plugin on real bytes: libmagic's verdict and the extension check."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from forensix.records import Digests, FileEntry
from plugins import filetype

JPEG = (Path(__file__).resolve().parent.parent / "fixtures" / "exif" / "gps_nw.jpg").read_bytes()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 255)).save(out, "PNG")
    return out.getvalue()


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


def analyse(name: str, data: bytes) -> dict:
    entry = FileEntry(evidence="test", volume_offset=0, fs_type="test", path=f"/case/{name}", inode="1",
                      deleted=False, size=len(data))
    head = data[:1 << 20]
    analyzer = filetype.forensix_file_analyzer(entry=entry, head=head)
    assert analyzer.key is None
    if data:
        analyzer.feed(head, 0)
    result = analyzer.finish(Digests(md5=None, sha1=None, sha256=None, bytes_read=len(data)))
    assert result.warnings == ()
    return result.data


CASES = {  # file name: (content, start or end of libmagic's MIME type, mismatch)
    "holiday.txt": (JPEG, "image/jpeg", True),
    "logo.png": (_png(), "image/png", False),
    "photo.jpg": (Path("/bin/true").read_bytes()[:4096], "application/x-", True),  # ELF
    "notes.txt": ("Meet at 10.0.0.1, café.\n".encode(), "text/plain", False),
    "report.docx": (_docx_like(), "application/", False),
    "README": (JPEG, "image/jpeg", False),  # no extension: nothing to contradict
    "empty.jpg": (b"", "x-empty", False),
    "blob.bin": (JPEG, "image/jpeg", False),  # .bin only says 'binary'
}


@pytest.mark.parametrize("name", CASES)
def test_content_and_extension(name: str) -> None:
    data, mime, mismatch = CASES[name]
    record = analyse(name, data)
    assert set(record) == {"mime", "mime_description", "extension_mismatch"}
    assert record["mime"].startswith(mime) or record["mime"].endswith(mime)
    assert record["extension_mismatch"] is mismatch
    assert record["mime_description"]


def test_description_names_the_format() -> None:
    assert analyse("x.jpg", JPEG)["mime_description"].startswith("JPEG image data")
