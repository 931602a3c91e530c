"""Checking a case's records against the seals in its log (:mod:`forensix.case.seal`):
``verify`` and the report recompute each completed scan's seal and, when it no longer
holds, walk the seal's list beside the rows as they are now to name each volume,
warning, file and finding added, missing or changed.
"""
from __future__ import annotations

import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from forensix.case.custody import SEAL_ACTION, Problem, file_sha256, logged_files, resolve_logged
from forensix.case.scanstate import COMPLETE, exhibit_states
from forensix.case.seal import (
    EVIDENCE_COLUMNS,
    FILE_FIELDS,
    SEAL_VERSION,
    SECTIONS,
    VOLUME_FIELDS,
    Sums,
    compute,
    evidence_row,
    query_params,
    sqlite_rank,
    stored_bytes,
    walk_rows,
)
from forensix.case.store import CaseStore
from forensix.wording import plural

NAMED = 100
"""Changes named one by one for each evidence item; beyond that they are counted."""
_HASHED_START, _HASHED_END = "evidence hashed (start)", "evidence hashed (end)"
"""The log entries of the media hashes (:func:`forensix.case.integrity.record_media_hashes`)."""


def _entry(line: str) -> tuple:
    """A line of the list as a tuple to compare (a file's findings as tuples too)."""
    entry = json.loads(line)
    if entry[0] == "g":
        entry[2] = [tuple(finding) for finding in entry[2]]
    return tuple(entry)


@dataclass(slots=True)
class SealCheck:
    """One evidence item's records against the seal of its scan."""

    exhibit: str
    evidence_id: int
    scan_id: int
    seq: int
    """The log entry holding the seal."""
    seal: dict[str, Any]
    now: str
    """The seal of the records as they are now."""
    problems: list[Problem] = field(default_factory=list)
    more: int = 0
    """Changes found beyond those named."""
    notes: list[str] = field(default_factory=list)

    @property
    def sealed(self) -> str:
        return self.seal["sha256"]

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def carried(self) -> str:
        """The digest a report made now carries: the seal, when the records still match it."""
        return self.sealed if self.intact else self.now

    def summary(self) -> str:
        rows = self.seal["rows"]
        return ", ".join(plural(rows.get(name), name[:-1]) for name in ("files", "findings", "warnings", "volumes"))


def seal_entries(rows: Iterable[Mapping[str, Any]]) -> dict[int, tuple[int, dict[str, Any]]]:
    """Evidence id -> (seq, details) of the last log entry closing a scan of it."""
    return {details["evidence_id"]: (details["seq"], details) for details in logged_files(rows, SEAL_ACTION)
            if isinstance(details.get("evidence_id"), int)}


def _readable(details: Mapping[str, Any]) -> bool:
    """A sealing entry as forensix writes it (a hand-edited one must not stop verify)."""
    seal = details.get("seal")
    return (isinstance(seal, dict) and isinstance(details.get("scan"), int) and isinstance(seal.get("sha256"), str)
            and isinstance(seal.get("warnings_upto"), int) and isinstance(seal.get("sections"), dict)
            and isinstance(seal.get("evidence"), dict) and isinstance(seal.get("rows"), dict))


def check_seal(store: CaseStore, exhibit: str, seq: int, details: Mapping[str, Any],
               later: list[Mapping[str, Any]], name_changes: bool = True) -> SealCheck:
    """Recompute the seal of ``details`` (a sealing log entry); when it differs, say
    which section changed and, with ``name_changes``, which rows and fields, from
    the seal's list. ``later`` are the log entries after the seal: a media hash
    recorded by a later scan explains a changed evidence hash."""
    seal = details["seal"]  # checked by _readable
    evidence_id, scan_id = details["evidence_id"], details["scan"]
    sums = compute(store.db, evidence_id, scan_id, seal["warnings_upto"])
    check = SealCheck(exhibit, evidence_id, scan_id, seq, dict(seal), sums.root())
    if check.now == check.sealed:
        return check
    now, then = sums.sections(), seal["sections"]
    where = f"{exhibit}"
    since = f"since its scan was sealed (log entry {seq})"
    if now["evidence"] != then.get("evidence"):
        _check_evidence(store, check, evidence_id, seal["evidence"], later)
    changed = [name for name in SECTIONS if name != "evidence" and now[name] != then.get(name)]
    if not changed:
        if check.intact and not check.notes:
            check.problems.append(Problem(where, f"its records no longer match their seal {since}"))
        return check
    listed = _read_list(store.case_dir, seal) if name_changes else None
    if isinstance(listed, str) or listed is None:
        for name in changed:
            check.problems.append(Problem(where, f"its {name} changed {since}"
                                          + (f"; which rows cannot be said: {listed}" if listed else "")))
        return check
    _name_changes(store, check, listed, query_params(evidence_id, scan_id, seal["warnings_upto"]), since)
    if not check.problems:  # CRCs that happen to agree: the digests still decide
        check.problems += [Problem(where, f"its {name} changed {since}") for name in changed]
    return check


def _check_evidence(store: CaseStore, check: SealCheck, evidence_id: int, sealed: Mapping[str, Any],
                    later: list[Mapping[str, Any]]) -> None:
    row = evidence_row(store.db, evidence_id)
    where = f"{check.exhibit}: evidence item"
    if row is None:
        check.problems.append(Problem(where, f"gone from the case; log entry {check.seq} sealed it"
                                             f" ({sealed.get('path')})"))
        return
    rehashed = _later_hashes(later, sealed.get("path"))
    for column in EVIDENCE_COLUMNS:
        now, then = row[column], sealed.get(column)
        if _same(now, then):
            continue
        if column in rehashed and _same(rehashed[column][1], now):
            check.notes.append(f"{check.exhibit}: the media was hashed again after the seal (log entry"
                               f" {rehashed[column][0]}): {column} {now} (sealed: {then or 'none'})")
            continue
        check.problems.append(Problem(where, f"{column} is now {now if now is not None else 'empty'},"
                                             f" log entry {check.seq} sealed {then if then is not None else 'none'}"))


def _same(a: Any, b: Any) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and str(a) == str(b))


def _later_hashes(later: list[Mapping[str, Any]], path: Any) -> dict[str, tuple[int, str]]:
    """Evidence columns set by media hashes logged after the seal: column -> (seq, value)."""
    out: dict[str, tuple[int, str]] = {}
    for action, prefix in ((_HASHED_START, ""), (_HASHED_END, "end_")):
        for details in logged_files(later, action):
            if details["path"] != path:
                continue
            for algorithm in ("md5", "sha1", "sha256"):
                if details.get(algorithm):
                    out[prefix + algorithm] = (details["seq"], details[algorithm])
    return out


def _read_list(case_dir: Path, seal: Mapping[str, Any]) -> Iterator[str] | str:
    """The seal's list, line by line, or why it cannot be used."""
    path = resolve_logged(case_dir, str(seal.get("list") or ""))
    if not seal.get("list") or not path.is_file():
        return f"the seal's list ({seal.get('list')}) is not in the case folder"
    if file_sha256(path) != seal.get("list_sha256"):
        return f"the seal's list {path} was altered too"

    def lines() -> Iterator[str]:
        with gzip.open(path, "rt", encoding="ascii") as f:
            next(f)  # the header
            for line in f:
                yield line.rstrip("\n")
    return lines()


_RANK = {"v": 0, "w": 1, "f": 2, "g": 2}


def _order(entry: tuple) -> tuple:
    """Where a line sorts in the list: volumes by offset and key, warnings by id, files by id
    each followed by its findings."""
    second = sqlite_rank(entry[2]) if entry[0] == "v" else (0, 0)
    return (_RANK[entry[0]], sqlite_rank(entry[1]), second, entry[0] == "g")


def _name_changes(store: CaseStore, check: SealCheck, listed: Iterator[str], params: Mapping[str, Any],
                  since: str) -> None:
    """Walk the seal's list beside the list the rows would give now, in the same order,
    and name every volume, warning, file and finding missing, added or changed."""
    namer = _Namer(check, since)
    with stored_bytes(store.db):
        current = walk_rows(store.db, params, Sums(), entries=True)
        then, now = next(listed, None), next(current, None)
        while then is not None or now is not None:
            if then == now:  # the common case: the same line, nothing to parse
                namer.same(then)
                then, now = next(listed, None), next(current, None)
                continue
            old, new = (_entry(then) if then is not None else None), (_entry(now) if now is not None else None)
            if new is None or (old is not None and _order(old) < _order(new)):
                namer.compare(old, None)
                then = next(listed, None)
            elif old is None or _order(new) < _order(old):
                namer.compare(None, new)
                now = next(current, None)
            else:
                namer.compare(old, new)
                then, now = next(listed, None), next(current, None)


class _Namer:
    """Puts each difference between two lines of the list in words."""

    def __init__(self, check: SealCheck, since: str) -> None:
        self.check, self.since = check, since
        self.file: str | tuple | None = None
        """The last file line seen (parsed only when its findings changed): whose findings follow."""

    def say(self, where: str, what: str) -> None:
        if len(self.check.problems) < NAMED:
            self.check.problems.append(Problem(f"{self.check.exhibit}: {where}", what))
        else:
            self.check.more += 1

    def same(self, line: str) -> None:
        if line.startswith('["f"'):
            self.file = line

    def compare(self, then: tuple | None, now: tuple | None) -> None:
        {"f": self._file, "g": self._findings, "v": self._volume, "w": self._warning}[(then or now)[0]](then, now)

    def _file(self, then: tuple | None, now: tuple | None) -> None:
        self.file = now or then
        where = _file_name(now or then)
        if then is None:
            self.say(where, f"added {self.since}")
        elif now is None:
            self.say(where, f"missing: log entry {self.check.seq} sealed it, the case no longer holds it")
        else:
            fields = [name for name, old, new in zip(("volume_offset", "path", "inode"), then[2:5], now[2:5])
                      if old != new]
            fields += _changed(FILE_FIELDS, then[5], now[5])
            if fields:
                self.say(where, f"{', '.join(fields)} changed {self.since}")

    def _findings(self, then: tuple | None, now: tuple | None) -> None:
        owner = _entry(self.file) if isinstance(self.file, str) else self.file
        file_id = (then or now)[1]
        where = (_file_name(owner) if owner and owner[1] == file_id
                 else f"findings of file id {file_id} (no file record of this scan)")
        old, new = Counter(then[2] if then else ()), Counter(now[2] if now else ())
        for (plugin, kind, _), count in (old - new).items():
            self.say(where, f"{plural(count, kind + ' finding')} from {plugin} gone {self.since}")
        for (plugin, kind, _), count in (new - old).items():
            self.say(where, f"{plural(count, kind + ' finding')} from {plugin} added {self.since}")

    def _volume(self, then: tuple | None, now: tuple | None) -> None:
        entry = then or now
        where = f"volume at byte {entry[1]}" + (f" ({entry[2]})" if entry[2] else "")
        if then is None or now is None:
            self.say(where, f"{'added' if then is None else 'missing'} {self.since}")
        else:
            self.say(where, f"{', '.join(_changed(VOLUME_FIELDS, then[3], now[3])) or 'its record'} changed"
                            f" {self.since}")

    def _warning(self, then: tuple | None, now: tuple | None) -> None:
        if then is None or now is None:
            entry = then or now
            self.say(f"warning {entry[1]} ({entry[3]}: {entry[4]})",
                     f"{'added' if then is None else 'missing: deleted'} {self.since}")
        else:
            self.say(f"warning {then[1]}", f"changed {self.since}: was ({then[3]}: {then[4]}),"
                                           f" now ({now[3]}: {now[4]})")


def _changed(names: tuple[str, ...], old: str, new: str) -> list[str]:
    """The fields whose CRC-32 (8 hex digits each, in order) differs."""
    return [name for i, name in enumerate(names) if old[i * 8:i * 8 + 8] != new[i * 8:i * 8 + 8]]


def _file_name(entry: tuple) -> str:
    offset = f", partition at byte {entry[2]:,}" if isinstance(entry[2], int) and entry[2] else ""
    return f"file {entry[3]} (inode {entry[4]}{offset})"


@dataclass(slots=True)
class CaseSeals:
    """Every evidence item's records against its seal, and what cannot be checked."""

    checks: list[SealCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """What contradicts the log: a sealed item gone, a sealed scan no longer the item's result."""
    unsealed: dict[int, str] = field(default_factory=dict)
    """Evidence id -> why its records are not sealed: its scan did not finish, or an earlier forensix made it."""

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for check in self.checks for p in check.problems]


def check_case(store: CaseStore, rows: list[Mapping[str, Any]], name_changes: bool = True) -> CaseSeals:
    """Check the records of every evidence item whose scan the log says completed."""
    out = CaseSeals()
    states = {s.evidence_id: s for s in exhibit_states(store)}
    entries = seal_entries(rows)
    for evidence_id, (seq, details) in entries.items():
        state = states.get(evidence_id)
        label = state.exhibit if state else details.get("exhibit") or details.get("label")
        if state is None:
            out.problems.append(Problem(f"{label}: evidence item", f"gone from the case; log entry {seq} sealed the"
                                                                   f" scan of {details.get('path')}"))
        elif "seal" not in details:
            out.unsealed[evidence_id] = (f"{label}: its scan was completed by a forensix that did not seal records"
                                         f" (log entry {seq}); its records cannot be checked")
        elif not _readable(details):
            out.problems.append(Problem(label, f"log entry {seq} holds a seal that cannot be read (the entry was"
                                               " altered); its records cannot be checked"))
        elif details["seal"].get("version") != SEAL_VERSION:
            out.unsealed[evidence_id] = (f"{label}: its records were sealed by a forensix whose seal this one does"
                                         f" not know (version {details['seal'].get('version')}, log entry {seq});"
                                         " check them with that forensix")
        elif state.scan_id != details.get("scan") or state.state != COMPLETE:
            out.problems.append(Problem(label, f"log entry {seq} sealed scan {details.get('scan')} as its result, but"
                                               f" the case now shows scan {state.scan_id} ({state.state})"))
        else:
            later = [row for row in rows if row["seq"] > seq]
            out.checks.append(check_seal(store, label, seq, details, later, name_changes))
    for state in states.values():
        if state.evidence_id in entries:
            continue
        if state.state == COMPLETE:
            out.unsealed[state.evidence_id] = (f"{state.exhibit}: its scan completed but no log entry seals it (made"
                                               " by a forensix before seals, or the entry was cut from the end of the"
                                               " log: --log-head tells); its records cannot be checked")
        else:
            out.unsealed[state.evidence_id] = state.words()
    return out


def logged_media(rows: Iterable[Mapping[str, Any]], items: Iterable[Mapping[str, Any]]
                 ) -> dict[int, tuple[int, dict[str, Any], str]]:
    """Evidence id -> (seq, hashes, whence): the media hashes the log holds for each item,
    which ``verify-evidence`` compares with, never the evidence table a hand could edit.
    The seal of its scan; for a scan that did not finish, the media hash it logged."""
    rows = list(rows)
    out = {evidence_id: (seq, dict(details["seal"]["evidence"]), "the seal of its scan")
           for evidence_id, (seq, details) in seal_entries(rows).items() if _readable(details)}
    hashed = logged_files(rows, _HASHED_START)
    for ev in items:
        if ev["id"] in out:
            continue
        for details in reversed(hashed):
            if details["path"] == ev["path"] and details.get("sha256"):
                hashes = {k: details.get(k) for k in ("path", "md5", "sha1", "sha256")}
                hashes.update(stored_md5=ev["stored_md5"], stored_sha1=ev["stored_sha1"])
                out[ev["id"]] = (details["seq"], hashes, "the media hash its scan logged")
                break
    return out
