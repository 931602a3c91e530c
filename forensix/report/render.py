"""The Jinja2 environment of the report: autoescape on for every template, and
the few filters that make hostile strings from a suspect's disk visible but inert.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

import report_templates
from forensix.atomicfile import atomic_writer
from forensix.wording import plural

TEMPLATE = "report.html.j2"
_VISIBLE_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Co", "Cs")


def printable(value: Any) -> str:
    """Control, format (bidi overrides such as U+202E) and line-separator
    characters written as ``\\xNN`` / ``\\uNNNN``: a file name shows exactly
    what it is, one line, with no text reordered. Escaped afterwards as usual."""
    if value is None:
        return ""
    text = str.__str__(value) if isinstance(value, str) else str(value)
    out = []
    for ch in text:
        if unicodedata.category(ch) in _VISIBLE_CATEGORIES:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def css_string(value: Any) -> Markup:
    """A CSS string literal for ``content:`` in ``@page`` rules.

    HTML escaping means nothing inside ``<style>``; here every character but
    ASCII letters, digits and space becomes a CSS hex escape (ended by the
    one space CSS consumes after it), so no value can end
    the string, the rule or the style element.
    """
    text = printable(value)
    body = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{body}"')


def filesize(value: Any) -> str:
    if value is None:
        return "—"
    n = int(value)
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:,.1f} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


def number(value: Any) -> str:
    """A count or an offset with thousands separators (``1,048,576``); ``—`` for none."""
    return "—" if value is None else f"{int(value):,}"


def moment(value: Any) -> str:
    """A UTC time stamp of forensix's own (``2026-11-22T12:57:42.063150Z``) to the
    second, for reading: ``2026-11-22 12:57:42``. The full value is in the log appendix."""
    return "" if not value else str(value).replace("T", " ").rstrip("Z").split(".")[0]


def pretty_json(text: str) -> str:
    """An action's details as indented JSON (a value that is not JSON is shown as is)."""
    try:
        return json.dumps(json.loads(text), indent=1, ensure_ascii=False, sort_keys=True)
    except ValueError:
        return text


BUILTIN_FILTERS: dict[str, Callable[..., Any]] = {
    "printable": printable, "css_string": css_string, "filesize": filesize, "pretty_json": pretty_json,
    "number": number, "plural": plural, "moment": moment,
}


def environment(extra_filters: dict[str, Callable[..., Any]] | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(report_templates.__file__).parent),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(BUILTIN_FILTERS)
    env.filters.update(extra_filters or {})
    return env


def render_to_file(env: jinja2.Environment, context: dict[str, Any], output: Path) -> str:
    """Stream the report into ``output`` (all or nothing: an earlier report there
    survives a failure half way); returns the SHA-256 of the bytes written."""
    digest = hashlib.sha256()
    with atomic_writer(output) as out:
        for piece in env.get_template(TEMPLATE).generate(**context):
            data = piece.encode("utf-8")
            digest.update(data)
            out.write(data)
    return digest.hexdigest()
