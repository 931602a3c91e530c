"""CASE/UCO JSON-LD: the case as the Cyber-investigation Analysis Standard
Expression describes casework, for tools that read it (Autopsy writes it too).

The graph holds:

* one ``uco-observable:File`` per record, with a ``FileFacet`` (name, path,
  size, times, allocation) and a ``ContentDataFacet`` holding its digests as
  ``uco-types:Hash``; a ``Contained_Within`` relationship ties it to the
  evidence item it was found in, and each hash-set match is a
  ``Found_In_Hash_Set`` relationship to the set, which is itself a File with
  its name and SHA-256;
* the evidence items (Files with their acquisition digests), each with a
  ``ProvenanceRecord`` carrying its exhibit number;
* one ``InvestigativeAction`` per entry of the case's action log, with the
  examiner as performer, forensix of the logged version as instrument, the
  evidence, hash set or case as object, and as result the files a scan found,
  or the report or export made; the log entry's details ride along as its
  description, so nothing the log says is lost;
* an ``Investigation`` (the case number) tying the actions together.

Identifiers are UUIDs derived from what they name (the case, the exhibit,
the volume, inode and path), so two exports of the same case agree. Files are
written as they stream from the store; the list of files a scan action found is
kept in a temporary file meanwhile, never in memory.
"""
from __future__ import annotations

import itertools
import json
import tempfile
import uuid
from pathlib import PurePosixPath
from typing import IO, Any, Iterable, Iterator, Mapping

from forensix.case.custody import EXPORT_ACTION, REPORT_ACTION
from forensix.case.store import CaseStore
from forensix.exports import ExportOptions
from forensix.exports.times import DeviceZone

NAME = "case"
DESCRIPTION = "CASE/UCO JSON-LD (case_validate checks it)"

CONTEXT = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
HASH_NAMES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256"}
_FILE_TIMES = {"mtime": "modifiedTime", "atime": "accessedTime", "ctime": "metadataChangeTime",
               "crtime": "observableCreatedTime"}
SCAN_STARTED, HASHSET_LOADED = "scan started", "hash set loaded"


class _Ids:
    """``kb:Kind-UUID`` identifiers, derived from the case and what they name."""

    def __init__(self, case_key: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"forensix-case:{case_key}")

    def __call__(self, kind: str, *parts: Any) -> str:
        name = json.dumps([kind, *parts], ensure_ascii=False, default=str)
        return f"kb:{kind}-{uuid.uuid5(self.namespace, name)}"

    @staticmethod
    def part(kind: str, owner: str) -> str:
        """A node that belongs to ``owner`` (its facets, hashes) shares its UUID:
        unique by its kind, and one UUID to compute per file instead of seven."""
        return f"kb:{kind}-{owner[owner.index('-') + 1:]}"


class _Graph:
    """A JSON-LD document written node by node."""

    def __init__(self, out: IO[str], base: str) -> None:
        self.out = out
        self.first = True
        out.write('{\n"@context": ' + json.dumps({"kb": base, **CONTEXT}, indent=1) + ',\n"@graph": [\n')

    def node(self, node: Mapping[str, Any]) -> None:
        self._separate()
        self.out.write(json.dumps(node, ensure_ascii=False))

    def node_listing(self, node: Mapping[str, Any], key: str, ids: Iterable[str]) -> None:
        """A node whose ``key`` lists ``ids``, written as they come (a scan's result can be
        millions of files); no key when there are none."""
        self._separate()
        head = json.dumps(node, ensure_ascii=False)[:-1]
        for index, ref in enumerate(ids):
            self.out.write(head + f", {json.dumps(key)}: [" if not index else ",")
            self.out.write(json.dumps({"@id": ref}))
            head = ""
        self.out.write(head + "}" if head else "]}")

    def close(self) -> None:
        self.out.write("\n]\n}\n")

    def _separate(self) -> None:
        if not self.first:
            self.out.write(",\n")
        self.first = False


def _ref(ref: str) -> dict[str, str]:
    return {"@id": ref}


def _time(text: str) -> dict[str, str]:
    return {"@type": "xsd:dateTime", "@value": text}


def _hashes(ids: _Ids, owner: str, digests: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"@id": ids.part(f"Hash-{algo}", owner), "@type": "uco-types:Hash",
             "uco-types:hashMethod": HASH_NAMES[algo],
             "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": str(value).lower()}}
            for algo, value in digests.items() if value]


def _file(ids: _Ids, ref: str, path: str | None, digests: Mapping[str, Any], size: int | None = None,
          **extra: Any) -> dict[str, Any]:
    """A File observable with its path, size and digests: evidence, hash sets, reports, exports."""
    file_facet: dict[str, Any] = {"@id": ids.part("FileFacet", ref), "@type": "uco-observable:FileFacet"}
    if path:
        file_facet["uco-observable:fileName"] = PurePosixPath(path).name or path
        file_facet["uco-observable:filePath"] = path
    if size is not None:
        file_facet["uco-observable:sizeInBytes"] = size
    facets = [file_facet]
    hashes = _hashes(ids, ref, digests)
    if hashes:
        facets.append({"@id": ids.part("ContentDataFacet", ref), "@type": "uco-observable:ContentDataFacet",
                       "uco-observable:hash": hashes})
    return {"@id": ref, "@type": "uco-observable:File", **extra, "uco-core:hasFacet": facets}


def write(store: CaseStore, out: IO[str], options: ExportOptions) -> dict[str, int]:
    export = _Export(store, out, options)
    try:
        export.context()
        count = export.files()
        export.actions()
    finally:
        export.found.close()
    export.graph.close()
    return {"records": count}


class _Export:
    """One CASE export: the context nodes, then the files as they stream, then the
    actions (the scans' results read back from the spool)."""

    def __init__(self, store: CaseStore, out: IO[str], options: ExportOptions) -> None:
        self.store, self.zone = store, options.zone
        self.info = store.info()
        self.ids = _Ids(f"{self.info.get('created_at')}|{self.info.get('case_number')}")
        self.log = [_LogEntry(row) for row in store.actions()]
        self.evidence = {row["path"]: row for row in store.evidence()}
        self.evidence_ids = {path: self.ids("Evidence", path) for path in self.evidence}
        self.sets = _hashsets(store, self.log)
        self.set_ids = {name: self.ids("HashSet", name, sha) for name, sha in self.sets}
        self.set_sha256 = {name: sha for name, sha in self.sets}
        """By name, the set the records were matched with: the last one loaded under that name."""
        self.found = _FoundFiles({row["label"]: path for path, row in self.evidence.items()})
        self.graph = _Graph(out, f"urn:forensix:{self.ids.namespace}:")

    def context(self) -> None:
        """Examiners, tool versions, evidence items with their provenance, hash sets."""
        ids = self.ids
        for node in _agents(ids, self.log):
            self.graph.node(node)
        for path, row in self.evidence.items():
            self.graph.node(_file(ids, self.evidence_ids[path], path, {a: row[a] for a in HASH_NAMES}, row["size"],
                                  **{"uco-core:name": row["label"]}))
            self.graph.node({"@id": ids("ProvenanceRecord", path), "@type": "case-investigation:ProvenanceRecord",
                             "case-investigation:exhibitNumber": row["exhibit"] or row["label"],
                             "uco-core:description": row["description"] or f"evidence {row['label']}",
                             "uco-core:object": [_ref(self.evidence_ids[path])]})
        for key, details in self.sets.items():
            self.graph.node(_file(ids, ids("HashSet", *key), details.get("source_path"), {"sha256": key[1]},
                                  **{"uco-core:name": key[0], "uco-core:description":
                                     f"{details.get('kind')} hash set, {details.get('format')} format, "
                                     f"{details.get('entries')} entries"}))

    def files(self) -> int:
        """One File per record, with its evidence and hash-set relationships."""
        count = 0
        for record in self.store.export_records():
            file_id = self.ids("File", record.get("evidence"), record.get("volume_offset"), record.get("inode"),
                               record.get("path"))
            self.graph.node(_record_file(self.ids, file_id, record, self.zone))
            evidence_path = self.found.add(record.get("evidence"), file_id)
            if evidence_path is not None:
                self.graph.node(_relationship(self.ids.part("Relationship", file_id), file_id,
                                              self.evidence_ids[evidence_path], "Contained_Within",
                                              f"volume at byte offset {record.get('volume_offset')}"))
            for match in record.get("hash_matches") or ():
                target = self.set_ids.get(match.get("set"))
                if target is not None:
                    words = _match_words(match, self.set_sha256[match["set"]])
                    self.graph.node(_relationship(self.ids("Relationship", file_id, target, words), file_id, target,
                                                  "Found_In_Hash_Set", words))
            count += 1
        return count

    def actions(self) -> None:
        """One InvestigativeAction per log entry, then the Investigation that holds them."""
        action_ids = []
        last_scan = _last_scans(self.log, self.evidence)
        for entry in self.log:
            node, made = _action(self.ids, entry, self.evidence_ids, self.set_ids)
            action_ids.append(node["@id"])
            for output in made:
                self.graph.node(output)
            scanned = [path for path, seq in last_scan.items() if seq == entry.seq]
            results = itertools.chain((o["@id"] for o in made), self.found.files(scanned))
            self.graph.node_listing(node, "uco-action:result", results)
        investigation = {"@id": self.ids("Investigation"), "@type": "case-investigation:Investigation",
                         "uco-core:name": self.info.get("case_number") or self.store.case_dir.name,
                         "uco-core:object": [_ref(a) for a in action_ids]
                         + [_ref(e) for e in self.evidence_ids.values()]}
        if self.info.get("agency"):
            investigation["uco-core:description"] = f"{self.info['agency']}"
        self.graph.node(investigation)


class _LogEntry:
    """One action-log row, its details parsed (an altered entry's text stays text)."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.seq, self.at, self.action, self.hash = row["seq"], row["at"], row["action"], row["hash"]
        self.examiner = row["examiner"] or "unknown examiner"
        self.tool_version = row["tool_version"] or "unknown"
        self.text = row["details"]
        try:
            details = json.loads(self.text)
        except ValueError:
            details = {}
        self.details: dict[str, Any] = details if isinstance(details, dict) else {}


def _agents(ids: _Ids, log: list[_LogEntry]) -> Iterator[dict[str, Any]]:
    """The examiners and the versions of forensix the log names."""
    for examiner in dict.fromkeys(e.examiner for e in log):
        yield {"@id": ids("Person", examiner), "@type": "uco-identity:Person", "uco-core:name": examiner}
    for version in dict.fromkeys(e.tool_version for e in log):
        yield {"@id": ids("Tool", version), "@type": "uco-tool:Tool", "uco-core:name": "forensix",
               "uco-tool:version": version, "uco-tool:toolType": "digital forensics triage"}


def _hashsets(store: CaseStore, log: list[_LogEntry]) -> dict[tuple[str, str], dict[str, Any]]:
    """Every set the case used, by (name, source SHA-256): from the log, and the
    case's ``hashsets`` table (the sets the current records were matched with)."""
    sets: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in log:
        if entry.action == HASHSET_LOADED and entry.details.get("name"):
            sets[(entry.details["name"], str(entry.details.get("source_sha256")))] = entry.details
    for row in store.db.execute("SELECT * FROM hashsets"):
        sets[(row["name"], str(row["source_sha256"]))] = dict(row)
    return sets


class _FoundFiles:
    """The file ids of each evidence item, spooled to temporary files (bounded memory)."""

    def __init__(self, paths_by_label: Mapping[str, str]) -> None:
        self.paths_by_label = paths_by_label
        self.spools: dict[str, IO[str]] = {}

    def add(self, label: Any, file_id: str) -> str | None:
        path = self.paths_by_label.get(label)
        if path is None:
            return None
        spool = self.spools.get(path)
        if spool is None:
            spool = self.spools[path] = tempfile.TemporaryFile("w+", encoding="utf-8")
        spool.write(file_id + "\n")
        return path

    def files(self, paths: list[str]) -> Iterator[str]:
        for path in paths:
            spool = self.spools.get(path)
            if spool is not None:
                spool.seek(0)
                yield from (line.rstrip("\n") for line in spool)

    def close(self) -> None:
        for spool in self.spools.values():
            spool.close()


def _last_scans(log: list[_LogEntry], evidence: Mapping[str, Any]) -> dict[str, int]:
    """For each evidence item, the scan whose records the case now holds (a rescan replaces them)."""
    last: dict[str, int] = {}
    for entry in log:
        if entry.action == SCAN_STARTED:
            for path in entry.details.get("evidence") or ():
                if path in evidence:
                    last[path] = entry.seq
    return last


def _record_file(ids: _Ids, file_id: str, record: Mapping[str, Any], zone: DeviceZone) -> dict[str, Any]:
    facet: dict[str, Any] = {"@id": ids.part("FileFacet", file_id), "@type": "uco-observable:FileFacet",
                             "uco-observable:fileName": record.get("name") or "",
                             "uco-observable:filePath": record.get("path") or "",
                             "uco-observable:isDirectory": False,
                             "uco-observable:allocationStatus": "deleted" if record.get("deleted") else "allocated"}
    if record.get("size") is not None:
        facet["uco-observable:sizeInBytes"] = record["size"]
    for field, prop in _FILE_TIMES.items():
        text = zone.iso(record, field)
        if text:
            facet[f"uco-observable:{prop}"] = _time(text)
    content: dict[str, Any] = {"@id": ids.part("ContentDataFacet", file_id), "@type": "uco-observable:ContentDataFacet"}
    hashes = _hashes(ids, file_id, {algo: record.get(algo) for algo in HASH_NAMES})
    if hashes:
        content["uco-observable:hash"] = hashes
    if record.get("mime"):
        content["uco-observable:mimeType"] = record["mime"]
    node: dict[str, Any] = {"@id": file_id, "@type": "uco-observable:File", "uco-core:hasFacet": [facet, content]}
    if record.get("warnings"):
        node["uco-core:description"] = "; ".join(map(str, record["warnings"]))
    return node


def _relationship(ref: str, source: str, target: str, kind: str, description: str) -> dict[str, Any]:
    return {"@id": ref,
            "@type": "uco-observable:ObservableRelationship",
            "uco-core:source": [_ref(source)], "uco-core:target": [_ref(target)],
            "uco-core:kindOfRelationship": kind, "uco-core:isDirectional": True,
            "uco-core:description": description}


def _match_words(match: Mapping[str, Any], sha256: str) -> str:
    words = [f"{match.get('kind')} match in hash set {match.get('set')} (SHA-256 {sha256})"]
    if match.get("category") is not None:
        words.append(f"category {match['category']}")
    if match.get("media_id"):
        words.append(f"media id {match['media_id']}")
    words.append("alert" if match.get("alert") else "no alert")
    return ", ".join(words)


def _action(ids: _Ids, entry: _LogEntry, evidence_ids: Mapping[str, str], set_ids: Mapping[str, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The action node of one log entry, and the nodes of the files it made (report, export)."""
    d = entry.details
    paths = d.get("evidence") if entry.action == SCAN_STARTED else [d.get("path")]
    objects = [evidence_ids[p] for p in paths or () if p in evidence_ids]
    if entry.action == HASHSET_LOADED and d.get("name") in set_ids:
        objects.append(ids("HashSet", d["name"], str(d.get("source_sha256"))))
    results = []
    if entry.action in (REPORT_ACTION, EXPORT_ACTION) and d.get("sha256"):
        path = str(d.get("path") or d.get("output") or "")
        results.append(_file(ids, ids("Output", entry.seq, path, d["sha256"]), path, {"sha256": d["sha256"]},
                             **{"uco-core:name": f"{entry.action.split()[0]} {d.get('format') or 'html'}"}))
    node: dict[str, Any] = {
        "@id": ids("InvestigativeAction", entry.seq, entry.hash),
        "@type": "case-investigation:InvestigativeAction",
        "uco-core:name": entry.action,
        "uco-core:description": entry.text,
        "uco-action:startTime": _time(entry.at),
        "uco-action:performer": _ref(ids("Person", entry.examiner)),
        "uco-action:instrument": _ref(ids("Tool", entry.tool_version)),
    }
    if objects:
        node["uco-action:object"] = [_ref(o) for o in objects]
    return node, results
