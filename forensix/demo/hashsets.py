"""The demo's hash sets, written in the formats units receive them in.

* ``demo-vics.json``: a VICS 2.0 ``#Media`` export (what Griffeye / Project VIC
  deliver), listing the stand-in pictures with their categories, plus decoys.
* ``demo-nsrl.db``: an NSRL RDSv3 "minimal" SQLite database (``FILE`` and
  ``PKG`` tables) listing the demo's ordinary software files, plus decoys.

Decoy entries are random digests, so each set is as large as a small real
one and a match is never a coincidence of a tiny list.
"""
from __future__ import annotations

import json
import random
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

VICS_NAME = "demo-vics.json"
NSRL_NAME = "demo-nsrl.db"


@dataclass(frozen=True, slots=True)
class Listed:
    """A file a hash set lists: its name, content digests and (VICS) category."""

    name: str
    size: int
    md5: str
    sha1: str
    sha256: str
    category: str | None = None
    media_id: str | None = None


def _decoy(rng: random.Random, n: int) -> Listed:
    return Listed(f"decoy_{n:05d}.jpg", rng.randrange(10_000, 4_000_000), rng.randbytes(16).hex(),
                  rng.randbytes(20).hex(), rng.randbytes(32).hex(), category=str(rng.choice((1, 2, 3))),
                  media_id=str(900_000 + n))


def write_vics(path: Path, listed: list[Listed], rng: random.Random, decoys: int = 500) -> None:
    """A VICS 2.0 #Media JSON export: upper-case hashes, SHA-256 under AlternativeHashes."""
    items = listed + [_decoy(rng, n) for n in range(decoys)]
    rng.shuffle(items)
    media = [{
        "MediaID": int(item.media_id) if item.media_id else n,
        "Category": int(item.category) if item.category is not None else 0,
        "MD5": item.md5.upper(),
        "SHA1": item.sha1.upper(),
        "AlternativeHashes": [{"HashName": "SHA256", "HashValue": item.sha256.upper()}],
        "MediaSize": item.size,
        "MediaFiles": [{"FileName": item.name}],
        "VictimIdentified": False,
        "Series": "forensix training stand-ins",
    } for n, item in enumerate(items, 1)]
    document = {"@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/forensix-demo/$metadata#Media",
                "value": media}
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def write_rdsv3(path: Path, listed: list[Listed], rng: random.Random, decoys: int = 2000) -> None:
    """An NSRL RDSv3 minimal database; every listed file belongs to one demo package."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    try:
        db.executescript(
            "PRAGMA journal_mode=DELETE;"
            "CREATE TABLE PKG(package_id INTEGER PRIMARY KEY, name TEXT, version TEXT, os_id INTEGER,"
            " manufacturer_id INTEGER, language TEXT, application_type TEXT);"
            "CREATE TABLE FILE(sha256 TEXT, sha1 TEXT, md5 TEXT, crc32 TEXT, file_name TEXT, file_size INTEGER,"
            " package_id INTEGER);")
        db.executemany("INSERT INTO PKG VALUES(?,?,?,?,?,?,?)",
                       [(1, "DemoViewer", "4.2", 1, 1, "English", "Utility"),
                        (2, "Decoy Suite", "1.0", 1, 2, "English", "Office")])
        rows = [(f.sha256.upper(), f.sha1.upper(), f.md5.upper(), f"{zlib.crc32(f.name.encode()):08X}", f.name,
                 f.size, 1) for f in listed]
        rows += [(d.sha256.upper(), d.sha1.upper(), d.md5.upper(), f"{rng.getrandbits(32):08X}", d.name, d.size, 2)
                 for d in (_decoy(rng, n) for n in range(decoys))]
        db.executemany("INSERT INTO FILE VALUES(?,?,?,?,?,?,?)", rows)
        db.commit()
    finally:
        db.close()
