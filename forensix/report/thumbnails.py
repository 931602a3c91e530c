"""Small embedded thumbnails of ordinary pictures (``report --show-thumbnails``).

Known material is never shown. A thumbnail is made only when the file has no
hash-set match of kind known-bad and no alert, and the bytes read back from the
evidence have exactly the SHA-256 recorded at the scan and that SHA-256 is not
an alert anywhere in the case: a deleted file's clusters may hold other content
by now, and that content must not slip into the report as a picture.
"""
from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from forensix.evidence import EvidenceError, EvidenceSource, open_evidence

MAX_BYTES = 32 << 20
SIZE = (160, 160)


class Thumbnailer:
    """Opens each evidence item once, read-only, for the thumbnails of one report."""

    def __init__(self, evidence_paths: dict[str, str], alert_hashes: set[str]) -> None:
        self.evidence_paths = evidence_paths  # exhibit label -> evidence path
        self.alert_hashes = alert_hashes
        self.sources: dict[str, EvidenceSource | None] = {}
        self.filesystems: dict[tuple[str, int], Any] = {}

    def close(self) -> None:
        for source in self.sources.values():
            if source is not None:
                source.close()

    def data_uri(self, item: dict[str, Any]) -> str | None:
        """A ``data:image/jpeg`` URI, or ``None`` when the file must not or cannot be shown."""
        record = item["record"]
        if (item["alert"] or item["container"] or not item["sha256"] or item["sha256"] in self.alert_hashes
                or any(m.get("alert") or m.get("kind") == "known-bad" for m in record.get("hash_matches") or [])
                or not str(record.get("mime") or "").startswith("image/") or not 0 < (item["size"] or 0) <= MAX_BYTES):
            return None
        try:
            data = self._read(item)
        except Exception:  # unreadable now: the report simply shows no picture
            return None
        if data is None or hashlib.sha256(data).hexdigest() != item["sha256"]:
            return None
        return _jpeg_uri(data)

    def _source(self, exhibit: str) -> EvidenceSource | None:
        if exhibit not in self.sources:
            try:
                self.sources[exhibit] = open_evidence(self.evidence_paths[exhibit])
            except (EvidenceError, KeyError):
                self.sources[exhibit] = None
        return self.sources[exhibit]

    def _read(self, item: dict[str, Any]) -> bytes | None:
        source = self._source(item["exhibit"])
        if source is None:
            return None
        if source.is_folder:
            root = source.path.resolve()
            path = (root / item["path"].lstrip("/")).resolve()
            if not path.is_relative_to(root) or path.is_symlink():
                return None
            with open(path, "rb") as f:
                return f.read(MAX_BYTES + 1)
        import pytsk3

        key = (item["exhibit"], item["volume_offset"])
        if key not in self.filesystems:
            self.filesystems[key] = pytsk3.FS_Info(source.image.tsk, offset=item["volume_offset"])
        inode, *attr = item["inode"].split("-")  # NTFS: "N-TYPE-ID"
        f = self.filesystems[key].open_meta(inode=int(inode))
        if attr:
            return f.read_random(0, item["size"], int(attr[0]), int(attr[1]))
        return f.read_random(0, item["size"])


def _jpeg_uri(data: bytes) -> str | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", SIZE)
            image.thumbnail(SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=70)
    except Exception:  # Pillow raises many kinds on damaged or hostile pictures
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def evidence_paths(rows: list[Any]) -> dict[str, str]:
    return {(r["exhibit"] or r["label"]): r["path"] for r in rows}

