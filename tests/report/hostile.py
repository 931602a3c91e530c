"""A folder evidence item whose names, text and EXIF strings are attacks on the
report: each payload, if it ever ran, would set ``document.title`` to the
sentinel, and each tag, if it were ever parsed, would be an element in the DOM."""
from __future__ import annotations

import shutil
from pathlib import Path

from report_browser import SENTINEL

SET_TITLE = f"document.title='{SENTINEL}'"
NAMES = (
    f"<img src=x onerror=\"{SET_TITLE}\">.jpg",
    f"\"onmouseover=\"{SET_TITLE}\" x=\".txt",
    "quote\"and'apostrophe.txt",
    "line\nbreak.txt",
    "invoice\u202etxt.exe",
    f"<svg onload=\"{SET_TITLE}\">.doc",  # no '/' in a file name, so no </script>
)
TEXT = (f"<script>{SET_TITLE}</script> contact evil<b>@example.org see "
        f"http://203.0.113.9/<script>{SET_TITLE}</script> and https://evil.example/\"><img src=x onerror={SET_TITLE}>"
        " mail x\"onclick=\"alert(1)\"@example.com from 8.8.4.4\n")
EXIF_MAKE = f"<img src=x onerror=\"{SET_TITLE}\">"
EXIF_MODEL = f"</td></tr></table><script>{SET_TITLE}</script>"
BEACON = "http://127.0.0.1:9/beacon.png"
EXIF_SOFTWARE = f"<img src=\"{BEACON}\">"
"""Loopback, discard port: if the report ever fetched it, the net log shows it."""


def make_hostile_folder(root: Path, corpus: Path) -> Path:
    folder = root / "hostile"
    (folder / "<b>dir").mkdir(parents=True)
    for name in NAMES:
        (folder / name).write_text(TEXT, encoding="utf-8")
    (folder / "<b>dir" / "chat.txt").write_text(TEXT * 3, encoding="utf-8")
    import piexif

    photo = folder / "<b>dir" / "camera.jpg"
    shutil.copyfile(corpus / "exif" / "IMG_0000.JPG", photo)
    exif = piexif.load(str(photo))
    exif["0th"][piexif.ImageIFD.Make] = EXIF_MAKE.encode()
    exif["0th"][piexif.ImageIFD.Model] = EXIF_MODEL.encode()
    exif["0th"][piexif.ImageIFD.Software] = EXIF_SOFTWARE.encode()
    piexif.insert(piexif.dump(exif), str(photo))
    return folder
