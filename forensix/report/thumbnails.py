"""Small embedded thumbnails of ordinary pictures (``report --show-thumbnails``).

Known material is never shown. A thumbnail is made only when the file has no
hash-set match of kind known-bad and no alert, and the bytes read back from the
evidence have exactly the SHA-256 recorded at the scan and that SHA-256 is not
an alert anywhere in the case: a deleted file's clusters may hold other content
by now, and that content must not slip into the report as a picture.

The picture is read again as the scan read it, through every volume layer above
it (:mod:`forensix.report.reread`): a picture inside an unlocked BitLocker or LUKS
volume, an LVM2 logical volume, an APFS container or a shadow copy gets its
thumbnail like any other, given the same keys as the scan.
"""
from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from forensix.report.reread import Rereader, VolumeKey
from forensix.volumes.secrets import NONE, Secrets

MAX_BYTES = 32 << 20
SIZE = (160, 160)


class Thumbnailer:
    """Reads each picture again through the volume layers the scan read it through (each evidence
    item and volume opened once per report, read-only); ``problems`` says which volumes could not
    be opened (a locked layer without its key), once each."""

    def __init__(self, evidence_paths: dict[str, str], alert_hashes: set[str],
                 volume_refs: dict[VolumeKey, str] | None = None, secrets: Secrets = NONE) -> None:
        self.alert_hashes = alert_hashes
        self.reader = Rereader(evidence_paths, volume_refs, secrets)

    @property
    def problems(self) -> list[str]:
        return self.reader.problems

    def close(self) -> None:
        self.reader.close()

    def data_uri(self, item: dict[str, Any]) -> str | None:
        """A ``data:image/jpeg`` URI, or ``None`` when the file must not or cannot be shown."""
        record = item["record"]
        if (item["alert"] or item["container"] or not item["sha256"] or item["sha256"] in self.alert_hashes
                or any(m.get("alert") or m.get("kind") == "known-bad" for m in record.get("hash_matches") or [])
                or not str(record.get("mime") or "").startswith("image/") or not 0 < (item["size"] or 0) <= MAX_BYTES):
            return None
        try:
            data = self.reader.read(item, MAX_BYTES)
        except Exception:  # unreadable now: the report simply shows no picture
            return None
        if data is None or hashlib.sha256(data).hexdigest() != item["sha256"]:
            return None
        return _jpeg_uri(data)


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
