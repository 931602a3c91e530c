"""HEIF and AVIF pictures told from the brands of their ``ftyp`` box, one way for every reader.

The EXIF reader and the picture decoder for perceptual hashing each pick a
library (pillow-heif for HEIF, Pillow for AVIF) from a file's first bytes; if
they read the brands differently, the same photo gets its camera and not its
hash, or the reverse. So both ask :func:`picture_kind`.

Brands, from ISO/IEC 23008-12:2022 (HEIF) and IANA's image/heic and
image/heic-sequence registrations: ``mif1``, ``mif2`` (images, 10.2.2-10.2.3)
and ``msf1`` (sequences, 10.3.1) are structural and name no coding; ``heic``,
``heix``, ``heim``, ``heis`` (HEVC images) and ``hevc``, ``hevx``, ``hevm``,
``hevs`` (HEVC sequences, Annex B) name HEVC, which pillow-heif's libheif
decodes (libde265). ``avif``/``avis`` (AV1, AOM's AVIF) go to Pillow, which
decodes them: pillow-heif's wheel has no AV1 decoder ("a suitable decoder plugin
is dav1d"). Other codings HEIF allows (``avci`` AVC, ``jpeg``, ``j2ki``,
``vvic``) have no decoder there either; ``miaf`` (MIAF, ISO/IEC 23000-22)
always stands beside ``mif1``.
"""
from __future__ import annotations

STRUCTURAL = frozenset({b"mif1", b"mif2", b"msf1"})
"""HEIF brands that name the file's structure, not how its pictures are coded."""
HEVC = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
"""HEIF brands of HEVC-coded pictures."""
HEIF = STRUCTURAL | HEVC
AVIF = frozenset({b"avif", b"avis"})


def picture_kind(head: bytes) -> str | None:
    """``"HEIF"`` or ``"AVIF"`` from a file's first bytes, or None for any other file (an MP4
    video, a CR3 raw, a file that is not ISO base media).

    A coding brand decides, the major brand's first, then a compatible one (HEVC before AV1);
    a structural major brand with no coding brand is HEIF (libheif then says what it holds).
    A structural brand that is only compatible does not make a video a picture.
    """
    if head[4:8] != b"ftyp":
        return None
    major = head[8:12]
    end = min(int.from_bytes(head[:4], "big"), 64, len(head))  # the ftyp box: major, version, compatible
    brands = {major} | {head[i:i + 4] for i in range(16, end - 3, 4)}
    if major in AVIF:
        return "AVIF"
    if brands & HEVC:
        return "HEIF"
    if brands & AVIF:
        return "AVIF"
    return "HEIF" if major in STRUCTURAL else None
