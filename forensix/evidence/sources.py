"""Recognise an evidence path and open it read-only.

The format is decided from content (signatures), not from the file name; the
name only matters for finding the other segments of a split raw image.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensix.evidence.ewf import EWF1_SIGNATURE
from forensix.evidence.images import ImageAdapter, NativeRaw, library_reason, libyal_image, raw_image

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (EWF1_SIGNATURE, "ewf"),
    (b"EVF2\x0d\x0a\x81\x00", "ewf"),  # Ex01
    (b"QFI\xfb", "qcow2"),
    (b"vhdxfile", "vhdx"),
    (b"KDMV", "vmdk"),
    (b"# Disk DescriptorFile", "vmdk"),
    (b"conectix", "vhd"),  # dynamic VHD: a copy of the footer opens the file
)
_EWF_MAGICS = tuple(magic for magic, fmt in _SIGNATURES if fmt == "ewf")
_NAMES = {"ewf": "E01 (EnCase)", "vmdk": "VMDK", "vhd": "VHD", "vhdx": "VHDX", "qcow2": "QCOW2"}
"""How a container format is named in messages."""


def _near(head: bytes, magic: bytes) -> bool:
    """At most two bytes of ``magic`` differ at the start of ``head``."""
    return len(head) >= len(magic) and sum(a != b for a, b in zip(head, magic)) <= 2


_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"LVF\x09\x0d\x0a\xff\x00", "EnCase logical evidence (L01)"),
)


class EvidenceError(Exception):
    """The evidence cannot be opened at all (missing, unreadable, unsupported)."""


class DamagedContainer(Exception):
    """A container format was recognised but its library cannot open it."""


@dataclass(slots=True)
class EvidenceSource:
    """An opened evidence item: a disk image for TSK, or a folder."""

    path: Path
    fmt: str
    segments: tuple[str, ...]
    size: int
    image: ImageAdapter | NativeRaw | None = None
    stored_hashes: dict[str, str] = field(default_factory=dict)
    """Hashes the imaging tool wrote into the container (E01 MD5/SHA-1)."""
    handle: Any = None
    damage: str | None = None
    """Why a recognised container could not be opened at all (then ``image`` is None):
    damaged evidence is recorded with a warning, not refused like a wrong path."""

    @property
    def is_folder(self) -> bool:
        return self.fmt == "folder"

    def close(self) -> None:
        if self.image is not None:
            self.image.close()


def open_evidence(path: str | os.PathLike[str]) -> EvidenceSource:
    p = Path(path)
    if not p.exists():
        raise EvidenceError(f"{p}: no such file or folder")
    if p.is_dir():
        return EvidenceSource(path=p.resolve(), fmt="folder", segments=(str(p.resolve()),), size=0)
    try:
        fmt = detect_format(p)
        return _open_image(p.resolve(), fmt)
    except EvidenceError:
        raise
    except (OSError, IOError) as exc:
        raise EvidenceError(f"{p}: cannot be opened: {exc}") from exc


def detect_format(p: Path) -> str:
    with open(p, "rb") as f:
        head = f.read(64)
        size = os.fstat(f.fileno()).st_size
        if size >= 512:
            f.seek(size - 512)
            footer = f.read(8)
        else:
            footer = b""
    for magic, what in _UNSUPPORTED:
        if head.startswith(magic):
            raise EvidenceError(f"{p}: {what} is not supported; give the physical image instead")
    for magic, fmt in _SIGNATURES:
        if head.startswith(magic):
            return fmt
    if any(_near(head, magic) for magic in _EWF_MAGICS):
        return "ewf"  # one or two bytes of its signature damaged: an E01 to report as damaged, not as raw
    if footer == b"conectix":
        return "vhd"  # fixed VHD: raw data followed by a 512-byte footer
    if footer[:4] == b"koly":
        return "dmg"  # UDIF: a 512-byte trailer names the block table
    return "raw"


def _open_image(p: Path, fmt: str) -> EvidenceSource:
    if fmt == "raw":
        segments = raw_segments(p)
        image, size = raw_image(segments)
        return EvidenceSource(p, "split-raw" if len(segments) > 1 else "raw", tuple(segments), size, image)
    try:
        handle, segments = _open_libyal(p, fmt)
    except DamagedContainer as exc:
        return EvidenceSource(p, fmt, (str(p),), p.stat().st_size, damage=str(exc))
    image, size = libyal_image(handle)
    stored: dict[str, str] = {}
    if fmt == "ewf":
        for algo in ("MD5", "SHA1"):
            value = handle.get_hash_value(algo)
            if value:
                stored[algo.lower()] = value.lower()
    return EvidenceSource(p, fmt, tuple(segments), size, image, stored, handle)


def _open_libyal(p: Path, fmt: str) -> tuple[Any, list[str]]:
    """Open with the libyal binding for ``fmt``; all open read-only by default."""
    try:
        if fmt == "ewf":
            from forensix.evidence.ewf import open_ewf

            return open_ewf(str(p))
        if fmt == "vmdk":
            import pyvmdk

            handle = pyvmdk.handle()
            handle.open(str(p))
            handle.open_extent_data_files()
            return handle, [str(p)]
        if fmt in ("vhd", "vhdx"):
            return _open_vhd(p)
        if fmt == "dmg":
            import pymodi

            handle = pymodi.handle()
            handle.open(str(p))
            return handle, [str(p)]
        if fmt == "qcow2":
            import pyqcow

            handle = pyqcow.file()
            handle.open(str(p))
            return handle, [str(p)]
    except ImportError as exc:
        raise EvidenceError(f"{p}: {fmt} support is not installed ({exc.name})") from exc
    except (OSError, IOError, RuntimeError) as exc:
        raise DamagedContainer(f"damaged or incomplete {_NAMES.get(fmt, fmt)} container: "
                               f"{library_reason(exc)}") from exc
    raise EvidenceError(f"{p}: unsupported format {fmt}")


MAX_VHD_CHAIN = 16
"""Differencing disks on differencing disks deeper than any real snapshot tree: a loop guard."""


def _open_vhd(p: Path) -> tuple[Any, list[str]]:
    """A VHD/VHDX, and for a differencing disk its parents, found beside it by the name its
    parent locator gives (libvhdi then reads through the chain); every file of the chain is a
    segment of the evidence."""
    import pyvhdi

    handle = pyvhdi.file()
    handle.open(str(p))
    files, child = [str(p)], handle
    while child.get_disk_type() == pyvhdi.disk_types.DIFFERENTIAL:
        if len(files) > MAX_VHD_CHAIN:
            raise DamagedContainer(f"differencing VHD chain longer than {MAX_VHD_CHAIN} disks")
        name = (child.get_parent_filename() or "").replace("\\", "/").rsplit("/", 1)[-1]
        parent_path = p.parent / name if name else None
        if parent_path is None or not parent_path.is_file():
            raise DamagedContainer(f"differencing disk whose parent {name or '(unnamed)'} is not beside it "
                                   f"in {p.parent}; put the parent there to read it")
        parent = pyvhdi.file()
        parent.open(str(parent_path))
        if parent.get_identifier() != child.get_parent_identifier():
            raise DamagedContainer(f"{parent_path.name} beside it is not its parent (its identifier differs)")
        child.set_parent(parent)
        files.append(str(parent_path))
        child = parent
    return handle, files


_NUMERIC = re.compile(r"^(?P<stem>.*)\.(?P<num>\d{2,4})$")
_ALPHA = re.compile(r"^(?P<stem>.*?)(?P<sep>\.?)(?P<letters>a{2,})$")


def raw_segments(p: Path) -> list[str]:
    """All segments of a split raw image, in order, given its first segment.

    Recognises ``.000/.001…``, ``.001/.002…`` and ``.aa/.ab…`` (also ``xaa``)
    naming. A name without such a suffix, or without a second segment, is a
    single raw image.
    """
    name = p.name
    match = _NUMERIC.match(name)
    if match:
        width = len(match["num"])
        start = int(match["num"])
        names = _consecutive(p.parent, (f"{match['stem']}.{n:0{width}d}" for n in range(start, 10**width)))
    elif (match := _ALPHA.match(name)) is not None:
        width = len(match["letters"])
        prefix = match["stem"] + match["sep"]
        names = _consecutive(p.parent, (prefix + _letters(n, width) for n in range(26**width)))
    else:
        return [str(p)]
    return names if len(names) > 1 else [str(p)]


def _consecutive(folder: Path, names: Any) -> list[str]:
    found = []
    for n in names:
        candidate = folder / n
        if not candidate.is_file():
            break
        found.append(str(candidate))
    return found


def _letters(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 26)
        out.append(chr(ord("a") + r))
    return "".join(reversed(out))


SECTOR = 512
_NOT_DISK = ("image/", "text/", "audio/", "video/", "application/pdf", "application/zip", "application/gzip",
             "application/x-tar", "application/vnd.", "application/msword", "application/json",
             "application/x-executable", "application/x-sharedlib", "application/x-dosexec")
"""Content types of files people pass by mistake (a photo, a document, an archive, a program)."""


def not_a_disk_image(source: EvidenceSource) -> str | None:
    """Why a raw file in which TSK recognises nothing is not a disk image at all, or
    None when it may be one too damaged to read (which is a warning, not a refusal).

    Disk images are whole sectors; a photo, a document or an archive is named by
    libmagic. Anything else (``data``, a boot sector) is treated as damaged evidence.
    """
    if source.size % SECTOR:
        return f"its size ({source.size} bytes) is not a whole number of {SECTOR}-byte sectors"
    import magic  # only needed for this check

    assert source.image is not None
    mime = magic.from_buffer(source.image.read(0, 64 << 10), mime=True)
    if mime.startswith(_NOT_DISK):
        return f"its content is {mime}"
    return None
