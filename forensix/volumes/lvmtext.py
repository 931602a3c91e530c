"""Where each logical volume of an LVM2 physical volume lies, from its text metadata.

libvslvm reads logical volumes but does not say where their extents are; the
records of a linear logical volume carry the byte offset of its first extent
in the disk (``pe_start`` + first extent x extent size), as the metadata says,
and such a volume is read as a plain range of the disk.
"""
from __future__ import annotations

import re
import struct
from typing import Any, Callable

SECTOR = 512
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[A-Za-z0-9_.+\-]+|[{}\[\]=,]|#[^\n]*')


def linear_offsets(read: Callable[[int, int], bytes]) -> dict[str, tuple[int, int]]:
    """``{"VG/LV": (offset, length)}`` of every logical volume whose extents lie in one
    contiguous run of this physical volume; ``{}`` when the metadata cannot be read."""
    try:
        text = _metadata_text(read)
        return _linear(_parse(text)) if text else {}
    except (ValueError, KeyError, IndexError, TypeError, struct.error):
        return {}


def label_sector(head: bytes) -> bytes | None:
    """The LVM2 label among the first four sectors of ``head`` (where LVM may write it), or None."""
    for sector in range(4):
        label = head[sector * SECTOR:(sector + 1) * SECTOR]
        if label[:8] == b"LABELONE" and label[24:32] == b"LVM2 001":
            return label
    return None


def _metadata_text(read: Callable[[int, int], bytes]) -> bytes | None:
    label = label_sector(read(0, 4 * SECTOR))
    if label is None:
        return None
    pv = label[struct.unpack_from("<I", label, 20)[0]:]
    at = 32 + 8  # PV UUID, device size
    for _ in range(2):  # data areas, then metadata areas; each list ends with a zero entry
        areas = []
        while True:
            offset, size = struct.unpack_from("<QQ", pv, at)
            at += 16
            if not offset:
                break
            areas.append(offset)
    if not areas:
        return None
    mda = areas[0]
    header = read(mda, SECTOR)
    if header[4:20] != b" LVM2 x[5A%r0N*>":
        return None
    start, _size = struct.unpack_from("<QQ", header, 24)
    offset, size = struct.unpack_from("<QQ", header, 40)
    return read(mda + offset, size).split(b"\0", 1)[0] if size else None


def _parse(text: bytes) -> dict[str, Any]:
    tokens = [t for t in _TOKEN.findall(text) if not t.startswith(b"#")]
    value, _ = _section(tokens, 0)
    return value


def _section(tokens: list[bytes], i: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(tokens) and tokens[i] != b"}":
        name = tokens[i].decode("utf-8", "replace")
        if tokens[i + 1] == b"{":
            out[name], i = _section(tokens, i + 2)
            i += 1
        else:  # name = value
            out[name], i = _value(tokens, i + 2)
    return out, i


def _value(tokens: list[bytes], i: int) -> tuple[Any, int]:
    if tokens[i] == b"[":
        items, i = [], i + 1
        while tokens[i] != b"]":
            if tokens[i] != b",":
                items.append(_scalar(tokens[i]))
            i += 1
        return items, i + 1
    return _scalar(tokens[i]), i + 1


def _scalar(token: bytes) -> Any:
    if token.startswith(b'"'):
        return token[1:-1].decode("utf-8", "replace")
    try:
        return int(token)
    except ValueError:
        return token.decode("utf-8", "replace")


def _linear(meta: dict[str, Any]) -> dict[str, tuple[int, int]]:
    out = {}
    for vg_name, vg in meta.items():
        if not isinstance(vg, dict) or "extent_size" not in vg:
            continue
        extent = vg["extent_size"] * SECTOR
        pvs = {name: pv["pe_start"] * SECTOR for name, pv in vg.get("physical_volumes", {}).items()}
        for lv_name, lv in vg.get("logical_volumes", {}).items():
            segments = [lv[k] for k in sorted(lv, key=str) if k.startswith("segment") and isinstance(lv[k], dict)]
            segments.sort(key=lambda s: s["start_extent"])
            runs = [(s["stripes"][0], s["stripes"][1], s["extent_count"]) for s in segments
                    if s.get("type") == "striped" and s.get("stripe_count") == 1]
            if not runs or len(runs) != len(segments) or len({pv for pv, _, _ in runs}) != 1 or len(pvs) != 1:
                continue
            if any(a[1] + a[2] != b[1] for a, b in zip(runs, runs[1:])):
                continue
            pv = runs[0][0]
            out[f"{vg_name}/{lv_name}"] = (pvs[pv] + runs[0][1] * extent, sum(r[2] for r in runs) * extent)
    return out
