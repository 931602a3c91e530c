"""Which layer lies at a place, from its content: encryption, a volume manager, a
container, or a file system The Sleuth Kit does not read. Cheap: a few small reads."""
from __future__ import annotations

from forensix.volumes.lvmtext import SECTOR, label_sector
from forensix.volumes.streams import Place

NOT_READABLE = {
    "btrfs": ("Btrfs", 0x10040, b"_BHRfS_M"),
    "f2fs": ("F2FS", 0x400, bytes.fromhex("1020f5f2")),
    "refs": ("ReFS", 3, b"ReFS\0\0\0\0"),
}
"""File systems recognised but not read (name in warnings, where the signature lies, the signature):
each costs a warning naming it, never silence."""


def detect(place: Place) -> str | None:
    """``bitlocker``, ``luks``, ``lvm``, ``apfs``, ``xfs``, a name from :data:`NOT_READABLE`, or None."""
    head = place.head(0, 4 * SECTOR)
    if head[3:11] == b"-FVE-FS-" or (head[3:11] == b"MSWIN4.1" and _bitlocker_to_go(place)):
        return "bitlocker"
    if head[:6] == b"LUKS\xba\xbe":
        return "luks"
    if label_sector(head) is not None:
        return "lvm"
    if head[32:36] == b"NXSB":
        return "apfs"
    if head[:4] == b"XFSB":
        return "xfs"
    for name, (_, offset, magic) in NOT_READABLE.items():
        if place.head(offset, len(magic)) == magic:
            return name
    return None


def _bitlocker_to_go(place: Place) -> bool:
    """A To Go volume starts as a FAT32 boot sector (the discovery volume) with BitLocker's identifier."""
    import pybde

    try:
        return bool(pybde.check_volume_signature_file_object(place.file_object()))
    except (OSError, IOError, RuntimeError):
        return False
