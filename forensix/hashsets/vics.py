"""Project VIC / CAID VICS JSON, versions 1.x and 2.0, streamed with ijson.

Shapes met in real exports (the whole file is never loaded; they run to
hundreds of MB):

* 2.0 ``#Media``: ``{"@odata.context": ".../$metadata#Media", "value": [media, ...]}``
* 2.0 ``#Cases`` and 1.x (``"odata.metadata"``): ``{"value": [{"Media": [media, ...]}, ...]}``

A media object has ``MD5``/``SHA1`` (sometimes ``SHA256``) and
``AlternativeHashes``: ``[{"HashName" or "AlgorithmName": "SHA256", "HashValue": ...}]``;
a picture's PDQ perceptual hash travels there too, as ``{"HashName": "PDQ",
"HashValue": <64 hex digits>}`` (VICS 2.0), and is indexed for near matches.
Exports are messy: hashes in upper case, booleans written as ``"false"``,
numbers as strings; keys are matched without regard to case.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

import ijson

from forensix.hashsets.entries import ALGORITHMS, HashEntry, ReadLog, parse_digest, parse_pdq

FORMAT = "vics"
DEFAULT_KIND = "known-bad"
PROGRESS_EVERY = 1 << 12

_CONTEXT = re.compile(rb'"(?:@odata\.context|odata\.metadata)"\s*:\s*"([^"]*)"')
_CASES = re.compile(rb'"Media"\s*:\s*\[', re.IGNORECASE)
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n", ""}


def sniff(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") and (
        _CONTEXT.search(head) is not None or b'"value"' in head)


def read(path: Path, log: ReadLog) -> Iterator[HashEntry]:
    log.total = os.path.getsize(path)
    with open(path, "rb") as f:
        prefix = _media_prefix(f.read(1 << 16))
        f.seek(0)
        number = 0
        try:
            for number, item in enumerate(ijson.items(f, prefix, use_float=True), 1):
                try:
                    yield _entry(item)
                except ValueError as exc:
                    log.reject(f"media item {number} (near byte {f.tell()})", str(exc))
                if not number % PROGRESS_EVERY:
                    log.position(f.tell())
        except ijson.JSONError as exc:
            log.reject(f"byte {f.tell()}", f"JSON cut short or malformed after media item {number}: "
                       f"{str(exc).splitlines()[0][:120]}")
    log.position(log.total)


def _media_prefix(head: bytes) -> str:
    """``value.item`` for a #Media list, ``value.item.Media.item`` for #Cases and 1.x."""
    context = _CONTEXT.search(head)
    if context is not None and context.group(1).rstrip(b"/").endswith(b"#Media"):
        return "value.item"
    if (context is not None and context.group(1).endswith(b"#Cases")) or _CASES.search(head):
        return "value.item.Media.item"
    return "value.item"


def _entry(item: Any) -> HashEntry:
    if not isinstance(item, dict):
        raise ValueError(f"media item is a {type(item).__name__}, not an object")
    fields = {k.lower(): v for k, v in item.items()}
    digests = _digests(fields)
    if not any(digests.values()):
        raise ValueError("no MD5, SHA-1, SHA-256 or PDQ")
    return HashEntry(
        digests["md5"], digests["sha1"], digests["sha256"],
        _text(fields.get("category")),
        _text(fields.get("mediaid")),
        _name(fields),
        _int(fields.get("mediasize")),
        _extra(fields),
        digests["pdq"],
    )


def _digests(fields: dict[str, Any]) -> dict[str, bytes | None]:
    """MD5, SHA-1, SHA-256 and PDQ, from their own keys or ``AlternativeHashes``."""
    found: dict[str, bytes | None] = dict.fromkeys((*ALGORITHMS, "pdq"))
    texts = [(algo, fields.get(algo)) for algo in ALGORITHMS]
    for alternative in fields.get("alternativehashes") or ():
        if isinstance(alternative, dict):
            alt = {k.lower(): v for k, v in alternative.items()}
            algo = str(alt.get("hashname") or alt.get("algorithmname") or alt.get("algorithm") or "")
            texts.append((algo.replace("-", "").lower(), alt.get("hashvalue") or alt.get("value")))
    for algo, text in texts:
        if algo in found and isinstance(text, str) and text.strip():
            found[algo] = parse_pdq(text) if algo == "pdq" else parse_digest(text, algo)
    return found


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _name(fields: dict[str, Any]) -> str | None:
    files = fields.get("mediafiles")
    if isinstance(files, list) and files and isinstance(files[0], dict):
        first = {k.lower(): v for k, v in files[0].items()}
        return _text(first.get("filename"))
    return _text(fields.get("filename") or fields.get("name"))


def _extra(fields: dict[str, Any]) -> str | None:
    extra = {}
    if _text(fields.get("series")):
        extra["series"] = _text(fields["series"])
    if fields.get("victimidentified") not in (None, ""):
        extra["victim_identified"] = _bool(fields["victimidentified"])
    return json.dumps(extra) if extra else None
