"""DFXML 1.2 as fiwalk writes it, so DFXML tools (dfxml_python, idifference,
bulk_extractor's reporting) read a forensix scan like a fiwalk run.

``<dfxml>`` in the DFXML namespace; ``<creator>`` with forensix and the
libraries the scan recorded; ``<source>`` with the evidence files; one
``<volume>`` per file system (numbered across the case as ``<partition>``, the
evidence named in a comment before its volumes) holding one ``<fileobject>``
per record, children in the order the schema requires. Deleted is ``alloc`` 0.
An inode that is not a plain address (an NTFS ``ADDR-TYPE-ID`` keeps its
address; an archive member has none) is written as far as the schema allows.
Written with the standard library's SAX writer, one record at a time.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from typing import IO, Any, Mapping
from xml.sax.saxutils import XMLGenerator

from forensix import __version__
from forensix.case.store import CaseStore
from forensix.exports import ExportOptions
from forensix.exports.times import DeviceZone
from forensix.versions import library_versions

NAME = "dfxml"
DESCRIPTION = "DFXML 1.2, one fileobject per file, as fiwalk writes it"

NAMESPACE = "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
DC = "http://purl.org/dc/elements/1.1/"
VERSION = "1.2.0"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ADDRESS = re.compile(r"\d+")
_FAT_PRECISION = {"mtime": "2", "ctime": "2", "crtime": "2", "atime": "86400"}
"""FAT keeps modification times to 2 s and access times to the day."""
_TIME_ORDER = ("mtime", "ctime", "atime", "crtime")
"""The schema's order, not the record's."""


def xml_text(value: Any) -> str:
    """Characters XML 1.0 cannot hold at all (a control byte in a hostile name) as ``\\xNN``."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", str(value))


class _Writer:
    """SAX events with fiwalk's indentation, so the file reads like fiwalk's."""

    def __init__(self, out: IO[str]) -> None:
        self.sax = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
        self.depth = 0

    def start(self, tag: str, **attrs: Any) -> None:
        self._indent()
        self.sax.startElement(tag, {k: xml_text(v) for k, v in attrs.items()})
        self.depth += 1

    def end(self, tag: str) -> None:
        self.depth -= 1
        self._indent()
        self.sax.endElement(tag)

    def leaf(self, tag: str, text: Any, **attrs: Any) -> None:
        self._indent()
        self.sax.startElement(tag, {k: xml_text(v) for k, v in attrs.items()})
        self.sax.characters(xml_text(text))
        self.sax.endElement(tag)

    def empty(self, tag: str, **attrs: Any) -> None:
        self._indent()
        self.sax.startElement(tag, {k: xml_text(v) for k, v in attrs.items()})
        self.sax.endElement(tag)

    def comment(self, text: str) -> None:
        """A comment as fiwalk writes them (the SAX writer has no call for one;
        ``ignorableWhitespace`` writes its text unescaped)."""
        self._indent()
        self.sax.ignorableWhitespace(f"<!-- {re.sub('-(?=-|$)', '- ', xml_text(text))} -->")

    def _indent(self) -> None:
        self.sax.ignorableWhitespace("\n" + "  " * self.depth)


def write(store: CaseStore, out: IO[str], options: ExportOptions) -> dict[str, int]:
    w = _Writer(out)
    w.sax.startDocument()
    w.sax.startElement("dfxml", {"xmlns": NAMESPACE, "xmlns:dc": DC, "version": VERSION})
    w.depth = 1
    w.start("metadata")
    w.leaf("dc:type", "Disk Image")
    w.end("metadata")
    _creator(w, store)
    evidence = store.evidence()
    w.start("source")
    for item in evidence:
        for segment in json.loads(item["segments"] or "[]") or [item["path"]]:
            w.leaf("image_filename", segment)
    w.end("source")
    count = _volumes(w, store, evidence, options.zone)
    w.depth = 0
    w._indent()
    w.sax.endElement("dfxml")
    w.sax.ignorableWhitespace("\n")
    w.sax.endDocument()
    return {"records": count}


def _creator(w: _Writer, store: CaseStore) -> None:
    """forensix and the libraries the (last) scan recorded: they made the records."""
    libraries = library_versions()
    for row in store.actions():
        if row["action"] == "scan started":
            try:
                libraries = json.loads(row["details"]).get("libraries") or libraries
            except ValueError:
                pass  # an altered log entry: verify reports it; the current versions stand in
    w.start("creator", version="1.0")
    w.leaf("program", "forensix")
    w.leaf("version", __version__)
    w.start("build_environment")
    for name, version in libraries.items():
        w.empty("library", name=name, version=version)
    w.end("build_environment")
    w.start("execution_environment")
    w.leaf("command_line", " ".join(["forensix", *sys.argv[1:]]))
    w.leaf("start_time", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    w.end("execution_environment")
    w.end("creator")


def _volumes(w: _Writer, store: CaseStore, evidence: list[Any], zone: DeviceZone) -> int:
    """One ``<volume>`` per (evidence, volume offset), in the records' order."""
    labels = {item["label"]: item for item in evidence}
    fs_types = {(item["label"], row["offset"]): row["fs_type"] for item in evidence
                for row in store.db.execute("SELECT offset, fs_type FROM volumes WHERE evidence_id=?", (item["id"],))}
    current: tuple[Any, Any] | None = None
    partition = count = 0
    for record in store.export_records():
        key = (record.get("evidence"), record.get("volume_offset"))
        if key != current:
            if current is not None:
                w.end("volume")
            if current is None or current[0] != key[0]:
                item = labels.get(key[0])
                w.comment(f"evidence {key[0]}: {item['path'] if item is not None else 'unknown'}")
            current, partition = key, partition + 1
            _volume_start(w, key[1], fs_types.get(key) or record.get("fs_type"))
        _fileobject(w, record, partition, count + 1, zone)
        count += 1
    if current is not None:
        w.end("volume")
    return count


def _volume_start(w: _Writer, offset: int, fs_type: str | None) -> None:
    w.start("volume", offset=offset)
    if offset:  # the schema's partition_offset is a positive integer
        w.leaf("partition_offset", offset)
    if fs_type:
        w.leaf("ftype_str", fs_type)


def _fileobject(w: _Writer, record: Mapping[str, Any], partition: int, number: int, zone: DeviceZone) -> None:
    w.start("fileobject")
    w.leaf("filename", str(record.get("path") or "").lstrip("/"))
    w.leaf("partition", partition)
    w.leaf("id", number)
    w.leaf("name_type", "r")
    if record.get("size") is not None:
        w.leaf("filesize", record["size"])
    w.leaf("alloc", 0 if record.get("deleted") else 1)
    address = _ADDRESS.match(str(record.get("inode") or ""))
    if address and record.get("container") is None:
        w.leaf("inode", address.group())
    fat = str(record.get("fs_type") or "").startswith("fat")
    for field in _TIME_ORDER:
        text = zone.iso(record, field)
        if text:
            w.leaf(field, text, **({"prec": _FAT_PRECISION[field]} if fat else {}))
    if record.get("mime_description"):
        w.leaf("libmagic", record["mime_description"])
    _byte_runs(w, record)
    for algo in ("md5", "sha1", "sha256"):
        if record.get(algo):
            w.leaf("hashdigest", record[algo], type=algo)
    w.end("fileobject")


def _byte_runs(w: _Writer, record: Mapping[str, Any]) -> None:
    """Where the content lies in the image, when the walker recorded it:
    ``byte_runs`` is a list of ``[file_offset, image_offset, length]``."""
    runs = record.get("byte_runs")
    if not runs:
        return
    volume = int(record.get("volume_offset") or 0)
    w.start("byte_runs")
    for file_offset, image_offset, length in runs:
        attrs = {"file_offset": file_offset, "fs_offset": image_offset - volume, "img_offset": image_offset,
                 "len": length}
        if image_offset < volume:
            del attrs["fs_offset"]
        w.empty("byte_run", **attrs)
    w.end("byte_runs")
