"""The action log in plain words: one line of key details per entry.

The report shows the log as a table a prosecutor can read (time, examiner,
action, what it concerned); the full JSON of every entry, with its hashes, is
in an appendix, so nothing is left out, only moved.
"""
from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any, Callable

from forensix.wording import plural


def _files(d: dict[str, Any]) -> str:
    parts = [plural(d.get("files"), "file")]
    if d.get("deleted"):
        parts[0] += f" ({d['deleted']:,} deleted)"
    parts.append(plural(d.get("alerts"), "known-material alert"))
    parts.append(plural(d.get("warnings"), "warning"))
    if d.get("seconds") is not None:
        parts.append(f"{d['seconds']} s")
    return ", ".join(parts)


def _hashes(d: dict[str, Any]) -> str:
    if d.get("error"):
        return str(d["error"])
    text = "; ".join(f"{name} {d[key]}" for key, name in (("md5", "MD5"), ("sha1", "SHA-1"), ("sha256", "SHA-256"))
                     if d.get(key))
    if d.get("stored") and d["stored"] != "none stored":
        text += f"; hash stored in the container: {d['stored']}"
    return f"{d.get('path', '')}: {text}"


def _values(d: dict[str, Any]) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in d.items() if k != "path")


def _names(values: Any) -> str:
    return ", ".join(PurePath(str(v)).name for v in values or []) or "none"


_DESCRIBE: dict[str, Callable[[dict[str, Any]], str]] = {
    "case created": _values,
    "case details changed": _values,
    "scan started": lambda d: (f"evidence {_names(d.get('evidence'))}; hash sets {_names(d.get('hashsets'))};"
                               f" {plural(len(d.get('plugins') or {}), 'plugin')}"
                               + (f", {plural(len(d['plugin_load_failures']), 'plugin')} not loaded"
                                  if d.get("plugin_load_failures") else "")
                               + f"; media hash {d.get('media_hash', '?')}"),
    "hash set loaded": lambda d: (f"{d.get('name')} ({d.get('kind')}, {d.get('format')}),"
                                  f" {plural(d.get('entries'), 'entry', 'entries')}, SHA-256 {d.get('source_sha256')}"),
    "evidence added": lambda d: (f"exhibit {d.get('exhibit') or d.get('label')}: {d.get('path')}, {d.get('format')},"
                                 f" {d.get('size') or 0:,} bytes, {plural(len(d.get('segments') or []), 'segment')}"),
    "evidence hashed (start)": _hashes,
    "evidence hashed (end)": _hashes,
    "evidence scan completed": lambda d: (f"exhibit {d.get('label')}: {plural(d.get('files'), 'file')},"
                                          f" {d.get('bytes') or 0:,} bytes"
                                          + (f"; records sealed, SHA-256 {d['seal'].get('sha256')}"
                                             if isinstance(d.get("seal"), dict) else "")),
    "scan finished": _files,
    "scan ended early": lambda d: f"{d.get('reason')}; so far {_files(d)}",
    "exhibit details recorded": lambda d: f"{d.get('path')}: {_values(d)}",
    "report generated": lambda d: f"report {d.get('report_id')} at {d.get('path')}, SHA-256 {d.get('sha256')}",
    "export made": lambda d: (f"{d.get('format')} export of {plural(d.get('records'), 'record')} at"
                              f" {d.get('path') or d.get('output')}"
                              + (f", SHA-256 {d['sha256']}" if d.get("sha256") else "")),
    "evidence verified": lambda d: f"{d.get('path')}: {d.get('result')} ({d.get('detail')})"
                                   + (f", read at {d['read_at']}" if d.get("read_at") else ""),
}


def describe(action: str, details: str) -> str:
    """The key details of one log entry in words; an entry of a kind not known
    here (a plugin's, a later version's) shows its plain values."""
    try:
        data = json.loads(details)
    except ValueError:
        return "(details are not readable JSON: see the entry in full in the appendix)"
    if not isinstance(data, dict):
        return str(data)
    known = _DESCRIBE.get(action)
    if known is not None:
        try:
            return known(data)
        except (TypeError, ValueError, AttributeError):
            pass  # an entry of an unexpected shape: its plain values below
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in data.items()
                     if isinstance(v, (str, int, float, bool)) and v != "")
