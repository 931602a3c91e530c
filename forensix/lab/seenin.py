"""A case and the central repository: what the case adds, and what it learns (``seen_in``).

The values a case offers are read from its export records, the public
interface: ``sha256`` (not of empty files, nor of files a known-good set
lists: every case holds those), ``pdq.hash`` of quality 50 or more (below, PDQ
never matches), ``exif.serial`` and, from ``identifiers``, e-mail addresses and
public IP addresses. A record holding a value another case holds gains
``seen_in``: one entry per value and other exhibit, ``{kind, value,
case_number, agency, exhibit, path, copies, date}`` (``path`` the first file there,
``copies`` how many, ``date`` when that exhibit was scanned), which the export
adds to the record and the report lays out (:mod:`forensix.report.seenin`).

``seen_in`` is not what the scan found but what the repository said later: it is
kept in a table of its own (``seen_in``), beside the records the scan sealed
(:mod:`forensix.case.seal`), which it never changes; the log entry of each comparison
holds the SHA-256 of what it wrote. Running it again (``forensix repo add CASE``)
brings a case up to date with what later cases saw.

The repository knows a case by its identity (:data:`forensix.case.store.CASE_ID`),
not its number: two agencies' "2026-001" are two cases, each seeing the other
by number and agency, and a copy of a case folder is the same case.
"""
from __future__ import annotations

import ipaddress
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from forensix.case.custody import COMPARED_ACTION, seen_in_digest
from forensix.case.store import CaseStore
from forensix.case.storedrecord import to_json
from forensix.lab.repository import Case, ReadOnly, Repository, Seen, Sighting, case_label
from forensix.pdq import MIN_QUALITY

KIND_ORDER = ("sha256", "pdq", "camera_serial", "email", "ip")
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


class NoCaseNumber(Exception):
    """The repository shows cases by their case number: a case without one is refused."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one comparison did, for the console and the action log."""

    added: bool
    """False when this login may only read the repository."""
    values: int
    files: int
    """Files of this case seen in other cases."""
    other_cases: tuple[str, ...]
    """Each as :func:`forensix.lab.repository.case_label`: number (agency)."""
    namesakes: tuple[str, ...]
    """Other cases the repository holds under this case's number: kept apart, by identity."""
    took_over: bool
    """This case took over what an earlier forensix added under its number and agency."""

    def words(self, where: str) -> str:
        said = "added to" if self.added else "compared with (this login may only read)"
        others = f": {', '.join(self.other_cases)}" if self.other_cases else ""
        text = f"{said} {where}: {self.values:,} values; {self.files:,} files seen in other cases{others}"
        if self.took_over:
            text += "; what an earlier forensix added under this case's number and agency is now this case's"
        if self.namesakes:
            text += (f"; other cases share its number, kept apart from it: {', '.join(self.namesakes)}"
                     " (seen_in and the report name each by number and agency)")
        return text


def case_number(store: CaseStore) -> str:
    number = (store.info().get("case_number") or "").strip()
    if not number:
        raise NoCaseNumber(f"{store.case_dir}: the case has no case number, which the repository shows cases "
                           "by; give it one with forensix case init")
    return number


def repository_case(store: CaseStore) -> Case:
    """The case as the repository knows it; a case made by an earlier forensix is given its
    identity now (logged in the case)."""
    number = case_number(store)
    return Case(store.case_id(), number, (store.info().get("agency") or "").strip() or None)


@dataclass(slots=True)
class _File:
    exhibit: str
    path: str
    scan_id: int
    keys: list[tuple[str, str]]


def compare(store: CaseStore, repo: Repository, add: bool = True) -> Outcome:
    """Add the case's values to the repository (unless ``add`` is False, or this login may only
    read), then write into the case what other cases saw; logged in the case."""
    case = repository_case(store)
    exhibits = {ev["id"]: (ev["exhibit"] or ev["label"], ev["scanned_at"]) for ev in store.evidence()}
    files = _values(store, exhibits)
    added = took_over = False
    if add:
        try:
            took_over = repo.add(case, {e for e, _ in exhibits.values()}, _sightings(files, exhibits))
            added = True
        except ReadOnly:
            pass
    values = {key for f in files.values() for key in f.keys}
    seen = repo.seen_elsewhere(case, values)
    namesakes = tuple(repo.namesakes(case))
    touched, digest = _write(store, files, seen)
    others = tuple(sorted({case_label(s.case_number, s.agency) for hits in seen.values() for s in hits}))
    store.log_action(COMPARED_ACTION, repository=repo.where, case_number=case.number, agency=case.agency,
                     case_id=case.uid, added=added, values=len(values), files_seen_in_other_cases=touched,
                     other_cases=list(others), **({"same_number_cases": list(namesakes)} if namesakes else {}),
                     **({"took_over_earlier_entries": True} if took_over else {}), seen_in_sha256=digest)
    return Outcome(added, len(values), touched, others, namesakes, took_over)


def compare_at(store: CaseStore, url: str) -> tuple[Outcome, str]:
    """:func:`compare` with the repository at ``url``, connected for it alone; also returns where
    that is, as it may be shown (host and database)."""
    repo = Repository.connect(url)
    try:
        return compare(store, repo), repo.where
    finally:
        repo.close()


def _values(store: CaseStore, exhibits: dict[int, tuple[str, str | None]]) -> dict[int, _File]:
    """The values each file of the case's current scans offers, by file id."""
    files: dict[int, _File] = {}
    rows = store.db.execute(
        "SELECT id, evidence_id, scan_id, path, sha256, known_good, json_extract(record, '$.pdq.hash'),"
        " json_extract(record, '$.pdq.quality'), json_extract(record, '$.exif.serial'),"
        " json_extract(record, '$.identifiers') FROM files ORDER BY evidence_id, volume_offset, volume_key, path, inode")
    for file_id, evidence_id, scan_id, path, sha256, known_good, pdq, quality, serial, identifiers in rows:
        keys = []
        if sha256 and sha256 != EMPTY_SHA256 and not known_good:
            keys.append(("sha256", sha256))
        if pdq and isinstance(quality, (int, float)) and quality >= MIN_QUALITY:
            keys.append(("pdq", str(pdq).lower()))
        if (serial := _serial(serial)) is not None:
            keys.append(("camera_serial", serial))
        if identifiers:
            keys += _identifiers(identifiers)
        if keys:
            files[file_id] = _File(exhibits[evidence_id][0], path, scan_id, list(dict.fromkeys(keys)))
    return files


def _serial(value: Any) -> str | None:
    """A camera serial worth comparing: not blank, not all zeros (cameras that keep none write those)."""
    text = str(value).strip().upper() if value is not None else ""
    return text if any(c.isalnum() for c in text) and set(text) - {"0", " ", "-"} else None


def _identifiers(text: str) -> list[tuple[str, str]]:
    try:
        items = json.loads(text)
    except ValueError:
        return []
    out = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            continue
        if item.get("kind") == "email":
            out.append(("email", item["value"].lower()))
        elif item.get("kind") in ("ipv4", "ipv6") and item.get("scope") == "public":
            try:
                out.append(("ip", ipaddress.ip_address(item["value"]).compressed))
            except ValueError:
                out.append(("ip", item["value"]))
    return out


def _sightings(files: dict[int, _File], exhibits: dict[int, tuple[str, str | None]]) -> list[Sighting]:
    """One row per exhibit and value: the first path holding it (files come in path order) and how many do."""
    scanned = dict(exhibits.values())
    first: dict[tuple[str, str, str], str] = {}
    copies: dict[tuple[str, str, str], int] = defaultdict(int)
    for f in files.values():
        for kind, value in f.keys:
            key = (f.exhibit, kind, value)
            first.setdefault(key, f.path)
            copies[key] += 1
    return [Sighting(exhibit, kind, value, path, copies[(exhibit, kind, value)], scanned.get(exhibit))
            for (exhibit, kind, value), path in first.items()]


def _write(store: CaseStore, files: dict[int, _File], seen: dict[tuple[str, str], list[Seen]]) -> tuple[int, str]:
    """Each file's ``seen_in``, replacing an earlier comparison's, in one transaction (a report never
    sees half of it); returns how many files were seen in other cases, and the SHA-256 of what was
    written (in the log entry: the table is kept beside the sealed records, not under their seal)."""
    rows = []
    for file_id, f in sorted(files.items()):
        hits = [{"kind": kind, "value": value, "case_number": s.case_number, "agency": s.agency,
                 "exhibit": s.exhibit, "path": s.path, "copies": s.copies, "date": (s.scanned_at or "")[:10] or None}
                for kind, value in sorted(f.keys, key=lambda k: (KIND_ORDER.index(k[0]), k[1]))
                for s in seen.get((kind, value), ())]
        if hits:
            rows.append((file_id, to_json(hits)))
    with store.transaction():
        store.db.execute("DELETE FROM seen_in")
        store.db.executemany("INSERT INTO seen_in(file_id, entries) VALUES(?,?)", rows)
    return len(rows), seen_in_digest(rows)
