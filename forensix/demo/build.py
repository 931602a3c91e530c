"""The demo scenario: what is planted where, built into an E01 with its hash sets and answer sheet.

Everything comes from one seed through named random streams (``random.Random
(f"{seed}:{name}")``), so the same seed gives the same evidence byte for byte
and adding a stream never shifts another. The answer sheet (``answers.json``)
is written from the plan itself, not from a scan, so the scan can be checked
against it.
"""
from __future__ import annotations

import hashlib
import io
import json
import random
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from forensix.demo import disk, hashsets, pictures, texts
from forensix.demo.ewf import AcquisitionInfo, write_e01
from forensix.demo.fat32 import Fat32Builder, FatFile

DEFAULT_SEED = 2026
DEFAULT_FILES = 3000
EVIDENCE_NAME = "demo-disk"
SEGMENT_SIZE = 256 << 10
"""Far below any imaging tool's default, so that even a small demo spans several segments."""
EXT4_SHARE = 10
"""One ordinary file in EXT4_SHARE goes to the ext4 home partition, the rest to the FAT32 stick."""

CASE = {"case_number": "TRAIN-{seed}-001", "examiner": "DC Sam Example", "agency": "Demo County Police (fictional)",
        "exhibit": "EX-01", "description": "Seized laptop disk (synthetic training evidence)"}
CAMERAS = (pictures.Camera("Canon", "Canon EOS 80D", "083051004297"),
           pictures.Camera("NIKON CORPORATION", "NIKON D750", "6021874"),
           pictures.Camera("Apple", "iPhone 12", None),
           pictures.Camera("FUJIFILM", "X-T3", "9AB12345"))
PLACES = (pictures.Place("Brussels, Grand-Place", 50.846757, 4.352425, 58.0),
          pictures.Place("Lyon, Place Bellecour", 45.757814, 4.832011, 170.0),
          pictures.Place("Rotterdam, Erasmus Bridge", 51.909271, 4.486915, 4.0),
          pictures.Place("Reykjavik, Hallgrimskirkja", 64.141736, -21.926624, 74.0),
          pictures.Place("Valletta, Upper Barrakka Gardens", 35.894680, 14.511840, 59.0),
          pictures.Place("Lisbon, Praca do Comercio", 38.707750, -9.136592, 5.0))


@dataclass(frozen=True, slots=True)
class DemoBuild:
    """Where the built demo is; everything is inside ``directory``."""

    directory: Path
    segments: tuple[Path, ...]
    vics: Path
    nsrl: Path
    answers: Path
    seed: int
    case: dict[str, str]
    """Fictional case number, examiner, agency, exhibit number and description."""


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{name}")


def _digests(data: bytes) -> dict[str, Any]:
    return {"size": len(data), "md5": hashlib.md5(data).hexdigest(), "sha1": hashlib.sha1(data).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest()}


class _Plan:
    """Collects the files of both partitions and the answer sheet's items."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.epoch = datetime(2025, 1, 1, 9, 0, 0) + timedelta(days=seed % 300, minutes=seed % 997)
        self.fat: list[FatFile] = []
        self.ext4: dict[str, bytes] = {}
        self.ext4_deleted = ""
        self.items: list[dict[str, Any]] = []
        self.known_material: list[hashsets.Listed] = []
        self.known_good: list[hashsets.Listed] = []

    def place(self, fs: str, path: str, data: bytes, role: str, deleted: bool = False,
              **facts: Any) -> dict[str, Any]:
        """Put a file on a partition and, when ``role`` is set, on the answer sheet."""
        if fs == "fat32":
            self.fat.append(FatFile(path, data, self.epoch, deleted))
        else:
            self.ext4[path] = data
            if deleted:
                self.ext4_deleted = path
        part = next(p for p in disk.PARTITIONS if p.fs == fs)
        item = {"id": facts.pop("id"), "role": role, "partition": fs, "volume_offset": part.offset,
                "path": f"/{path}", "deleted": deleted, "container": None, **_digests(data), **facts}
        self.items.append(item)
        return item

    def standin(self, number: int, category: str) -> tuple[bytes, hashsets.Listed]:
        data = pictures.standin_png(number, _rng(self.seed, f"standin-{number}"))
        d = _digests(data)
        listed = hashsets.Listed(f"standin_{number:02d}.png", d["size"], d["md5"], d["sha1"], d["sha256"],
                                 category, str(700_000 + self.seed % 1000 * 10 + number))
        self.known_material.append(listed)
        return data, listed

    def vics_facts(self, listed: hashsets.Listed) -> dict[str, Any]:
        return {"vics": {"category": listed.category, "media_id": listed.media_id},
                "alert": listed.category != "0"}


def _plant_known_material(plan: _Plan) -> None:
    data, listed = plan.standin(1, "1")
    plan.place("fat32", "Pictures/Holiday/beach_0412.png", data, "known-material", id="standin-1",
               **plan.vics_facts(listed))
    data, listed = plan.standin(2, "1")
    plan.place("fat32", "Pictures/Old/IMG_0007.png", data, "known-material", deleted=True, id="standin-2-deleted",
               **plan.vics_facts(listed))
    data, listed = plan.standin(3, "3")
    member = "pics/cartoon_03.png"
    archive = _zip({member: data, "readme.txt": b"holiday pictures\n"}, plan.epoch)
    zip_item = plan.place("fat32", "Downloads/archive_2024.zip", archive, "archive", id="archive-1")
    plan.items.append({"id": "standin-3-zip", "role": "known-material", "partition": "fat32",
                       "volume_offset": zip_item["volume_offset"], "path": None, "member": member,
                       "container": zip_item["path"], "deleted": False, **_digests(data), **plan.vics_facts(listed)})
    data, listed = plan.standin(4, "1")
    plan.place("fat32", "Documents/budget_notes.txt", data, "known-material", id="standin-4-renamed",
               extension_mismatch=True, **plan.vics_facts(listed))
    data, listed = plan.standin(5, "0")
    plan.place("fat32", "Pictures/Memes/meme_11.png", data, "known-material", id="standin-5-non-pertinent",
               **plan.vics_facts(listed))
    data, listed = plan.standin(6, "2")
    plan.place("ext4", "home/alex/.cache/thumbs/t_5521.png", data, "known-material", id="standin-6-ext4",
               **plan.vics_facts(listed))


def _zip(members: dict[str, bytes], when: datetime) -> bytes:
    """A zip whose bytes depend only on its members (fixed times and attributes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def _plant_photos(plan: _Plan) -> None:
    rng = _rng(plan.seed, "photos")
    places = rng.sample(PLACES, 3)
    shots = (("fat32", "DCIM/100DEMO/DSC_0101.JPG", CAMERAS[0], places[0]),
             ("fat32", "DCIM/100DEMO/DSC_0102.JPG", CAMERAS[1], places[1]),
             ("ext4", "home/alex/Pictures/IMG_2231.JPG", CAMERAS[2], places[2]),
             ("ext4", "home/alex/Pictures/IMG_2232.JPG", CAMERAS[3], None))
    for n, (fs, path, camera, place) in enumerate(shots, 1):
        taken = plan.epoch - timedelta(days=rng.randrange(5, 60), minutes=rng.randrange(0, 1440))
        data = pictures.camera_jpeg(camera, place, taken, _rng(plan.seed, f"photo-{n}"))
        exif: dict[str, Any] = {"make": camera.make, "model": camera.model,
                                "datetime_original": taken.strftime("%Y:%m:%d %H:%M:%S")}
        if camera.serial:
            exif["serial"] = camera.serial
        if place is not None:
            exif |= {"gps_latitude": pictures.stored_degrees(place.latitude),
                     "gps_longitude": pictures.stored_degrees(place.longitude), "gps_altitude": place.altitude}
        plan.place(fs, path, data, "photo", id=f"photo-{n}", exif=exif, place=place.name if place else None)


def _plant_chats(plan: _Plan) -> None:
    rng = _rng(plan.seed, "chats")
    logs = (("session_1.txt", "utf-8", False), ("session_2.txt", "utf-16le", False),
            ("session_3.txt", "utf-8", True))
    for n, (name, encoding, deleted) in enumerate(logs, 1):
        chat = texts.chat_log(rng, plan.epoch - timedelta(days=n * 3))
        data = chat.text.encode("utf-8") if encoding == "utf-8" else b"\xff\xfe" + chat.text.encode("utf-16-le")
        identifiers = ([{"kind": "ipv4", "value": v, "scope": "private" if v in texts.PRIVATE_IPV4 else "documentation"}
                        for v in chat.ipv4]
                       + [{"kind": "ipv6", "value": v, "scope": "documentation"} for v in chat.ipv6]
                       + [{"kind": "email", "value": v} for v in chat.emails]
                       + [{"kind": "url", "value": v} for v in chat.urls])
        plan.place("ext4", f"home/alex/chats/{name}", data, "chat", deleted=deleted, id=f"chat-{n}",
                   encoding=encoding, identifiers=identifiers)


def _plant_known_good(plan: _Plan) -> None:
    rng = _rng(plan.seed, "software")
    files = [("fat32", f"Program Files/DemoViewer/{name}") for name in
             ("viewer.exe", "viewer.dll", "codec.dll", "license.txt", "help/index.html")]
    files += [("ext4", f"usr/share/demoviewer/{name}") for name in ("viewer.so", "icons.dat", "README")]
    for n, (fs, path) in enumerate(files, 1):
        textual = path.endswith((".txt", ".html", "README"))
        data = texts.prose(rng, 200).encode() if textual else texts.binary(rng, rng.randrange(2000, 40_000))
        item = plan.place(fs, path, data, "known-good", id=f"software-{n}")
        plan.known_good.append(hashsets.Listed(path.rsplit("/", 1)[-1], item["size"], item["md5"], item["sha1"],
                                               item["sha256"]))


def _plant_ordinary(plan: _Plan, count: int) -> None:
    for n, (path, data) in enumerate(texts.ordinary_files(_rng(plan.seed, "ordinary"), count)):
        if n % EXT4_SHARE == 0:
            plan.ext4[f"home/alex/{path}"] = data
        else:
            plan.fat.append(FatFile(path, data, plan.epoch))


def build_demo(directory: Path, seed: int = DEFAULT_SEED, files: int = DEFAULT_FILES) -> DemoBuild:
    """Build the evidence, hash sets and answer sheet into ``directory`` (created if needed)."""
    directory = Path(directory)
    (directory / "evidence").mkdir(parents=True, exist_ok=True)
    (directory / "hashsets").mkdir(exist_ok=True)
    plan = _Plan(seed)
    _plant_known_material(plan)
    _plant_photos(plan)
    _plant_chats(plan)
    _plant_known_good(plan)
    _plant_ordinary(plan, files)
    ids = _rng(seed, "ids")
    fat = Fat32Builder(disk.FAT32_SECTORS, "DEMO_USB", ids.getrandbits(32), disk.FAT32_START, plan.epoch).build(plan.fat)
    ext4 = disk.build_ext4(plan.ext4, plan.ext4_deleted, "demo-home", uuid.UUID(int=ids.getrandbits(128), version=4),
                           uuid.UUID(int=ids.getrandbits(128), version=4),
                           int(plan.epoch.replace(tzinfo=timezone.utc).timestamp()))
    raw = directory / "evidence" / f"{EVIDENCE_NAME}.raw.tmp"
    for old in (directory / "evidence").glob(f"{EVIDENCE_NAME}.E*"):
        old.unlink()
    try:
        disk.assemble(raw, ids.getrandbits(32), {"fat32": bytes(fat), "ext4": ext4})
        raw_digests = _file_digests(raw)
        case = _case(seed)
        info = AcquisitionInfo(case["case_number"], case["exhibit"], case["description"], case["examiner"],
                               "synthetic training evidence built by 'forensix demo'; no real material",
                               plan.epoch + timedelta(days=2), ids.getrandbits(128).to_bytes(16, "little"))
        segments = write_e01(raw, directory / "evidence" / EVIDENCE_NAME, info, SEGMENT_SIZE)
    finally:
        raw.unlink(missing_ok=True)
    vics = directory / "hashsets" / hashsets.VICS_NAME
    nsrl = directory / "hashsets" / hashsets.NSRL_NAME
    hashsets.write_vics(vics, plan.known_material, _rng(seed, "vics-decoys"))
    hashsets.write_rdsv3(nsrl, plan.known_good, _rng(seed, "nsrl-decoys"))
    answers = directory / "answers.json"
    sheet = {
        "seed": seed, "ordinary_files": files, "case": case,
        "evidence": {"media_size": raw_digests["size"], "md5": raw_digests["md5"], "sha1": raw_digests["sha1"],
                     "sha256": raw_digests["sha256"],
                     "segments": [{"name": p.name, **_file_digests(p)} for p in segments]},
        "partitions": [{"slot": p.slot, "fs": p.fs, "offset": p.offset, "sectors": p.sectors} for p in disk.PARTITIONS],
        "hashsets": {"vics": {"file": vics.name, **_file_digests(vics), "listed": len(plan.known_material)},
                     "nsrl": {"file": nsrl.name, **_file_digests(nsrl), "listed": len(plan.known_good)}},
        "items": plan.items,
    }
    answers.write_text(json.dumps(sheet, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return DemoBuild(directory, tuple(segments), vics, nsrl, answers, seed, case)


def _case(seed: int) -> dict[str, str]:
    return {k: v.format(seed=seed) for k, v in CASE.items()}


def _file_digests(path: Path) -> dict[str, Any]:
    hashers = (hashlib.md5(), hashlib.sha1(), hashlib.sha256())
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            for h in hashers:
                h.update(chunk)
    return {"size": path.stat().st_size, "md5": hashers[0].hexdigest(), "sha1": hashers[1].hexdigest(),
            "sha256": hashers[2].hexdigest()}
