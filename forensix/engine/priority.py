"""Which files are read first: those that can be known material.

An officer needs to know within the hour whether a disk holds known abuse
material, so pictures, videos and archives (by extension), and every file in a
user's folders, are read before the operating system and program files. The
order never changes what a scan finds, only when.
"""
from __future__ import annotations

FIRST = 0
LATER = 1

_EXTENSIONS = frozenset("""
jpg jpeg jpe jfif pjpeg png gif bmp dib tif tiff webp heic heif avif jxl jp2 j2k ico psd
dng cr2 cr3 crw nef nrw arw srf sr2 raf orf rw2 pef srw x3f
mp4 m4v mov qt avi wmv asf mkv webm flv f4v 3gp 3g2 mpg mpeg mpe m2ts mts ts vob ogv
zip rar 7z tar gz tgz bz2 tbz2 xz txz zst cab iso dmg
""".split())
_USER_FOLDERS = ("/users/", "/home/", "/documents and settings/", "/dcim/", "/pictures/", "/downloads/",
                 "/desktop/", "/private/var/mobile/", "/sdcard/", "/media/")


def priority(path: str) -> int:
    lowered = path.lower()
    dot = lowered.rfind(".")
    if 0 <= dot and lowered.rfind("/") < dot and lowered[dot + 1:] in _EXTENSIONS:
        return FIRST
    return FIRST if any(folder in lowered for folder in _USER_FOLDERS) else LATER
