"""What plugins add to a report: sections (``forensix_report_sections``) and
template filters (``forensix_template_filters``).

A plugin section is *data*, never HTML: ``{"id", "title", "priority", "text",
"columns": [...], "rows": [[...], ...], "column_filters": {column: filter name}}``,
laid out and escaped by our template; ``column_filters`` names template filters
(a plugin's own, from ``forensix_template_filters``, or a built-in) applied to
that column's cells.
Plugin HTML could carry script or a remote image into a court document, so a
section with an ``html`` key is refused. Each implementation is called on its
own; whatever one raises or returns wrongly becomes a line in the report's
execution log, never a failed report.
"""
from __future__ import annotations

from typing import Any, Callable

from forensix.pluginhost import PluginHost, call_impl

MAX_ROWS = 10_000
"""Rows kept from one plugin section; a runaway plugin cannot bloat the report."""


def plugin_sections(host: PluginHost, store: Any, log: list[str]) -> list[dict[str, Any]]:
    sections = []
    for impl in host.impls("forensix_report_sections"):
        try:
            result = call_impl(impl, store=store) or []
            for raw in result:
                sections.append(_section(impl.plugin_name, raw))
        except Exception as exc:  # a plugin must never stop the report
            log.append(f"plugin {impl.plugin_name}: report section left out: {exc.__class__.__name__}: {exc}")
    return sorted(sections, key=lambda s: (s["priority"], s["title"]))


def _section(plugin: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TypeError(f"a section must be a dict, not {type(raw).__name__}")
    if "html" in raw:
        raise ValueError("sections are data (title, text, columns, rows); HTML is not accepted")
    columns = [str(c) for c in raw.get("columns") or []]
    rows = [[_cell(v) for v in row] for row in list(raw.get("rows") or [])[:MAX_ROWS]]
    if any(len(row) != len(columns) for row in rows):
        raise ValueError("every row must have one cell per column")
    return {"plugin": plugin, "id": str(raw.get("id") or plugin), "title": str(raw.get("title") or plugin),
            "priority": int(raw.get("priority") or 100), "text": _cell(raw.get("text") or ""),
            "columns": columns, "rows": rows,
            "column_filters": {str(k): str(v) for k, v in dict(raw.get("column_filters") or {}).items()}}


def _cell(value: Any) -> str:
    """A plain ``str``: a ``Markup`` value from a plugin would skip autoescaping."""
    return str.__str__(value) if isinstance(value, str) else ("" if value is None else str(value))


def apply_column_filters(sections: list[dict[str, Any]], filters: dict[str, Callable[..., Any]],
                         log: list[str]) -> None:
    """Run each section's ``column_filters`` over its cells (output kept plain text)."""
    for section in sections:
        for column, name in section["column_filters"].items():
            if column not in section["columns"] or name not in filters:
                log.append(f"plugin {section['plugin']}: column filter {column!r}: {name!r} unknown; left as is")
                continue
            index = section["columns"].index(column)
            for row in section["rows"]:
                row[index] = _cell(filters[name](row[index]))


def plugin_filters(host: PluginHost, taken: set[str], log: list[str]) -> dict[str, Callable[..., str]]:
    """Plugin filters, wrapped so their output is escaped and their errors logged.

    A name the report already uses (``e``, ``printable`` …) is refused: a plugin
    must not be able to replace escaping or redefine what a built-in filter shows.
    """
    filters: dict[str, Callable[..., str]] = {}
    for impl in host.impls("forensix_template_filters"):
        try:
            offered = call_impl(impl) or {}
            for name, func in dict(offered).items():
                if name in taken or name in filters or not callable(func):
                    log.append(f"plugin {impl.plugin_name}: template filter {name!r} refused"
                               " (name in use or not callable)")
                    continue
                filters[name] = _guarded(impl.plugin_name, name, func, log)
        except Exception as exc:
            log.append(f"plugin {impl.plugin_name}: template filters left out: {exc.__class__.__name__}: {exc}")
    return filters


def _guarded(plugin: str, name: str, func: Callable[..., Any], log: list[str]) -> Callable[..., str]:
    def apply(*args: Any, **kwargs: Any) -> str:
        try:
            return _cell(func(*args, **kwargs))
        except Exception as exc:
            log.append(f"plugin {plugin}: filter {name!r} failed: {exc.__class__.__name__}: {exc}")
            return _cell(args[0]) if args else ""
    return apply

