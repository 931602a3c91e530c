"""The evidence report: one self-contained HTML file, its SHA-256 beside it and
in the action log, so anyone can later show it is the report that was made.
"""
from __future__ import annotations

import platform
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forensix import __version__
from forensix.case.custody import REPORT_ACTION, case_relative, write_sidecar
from forensix.case.store import CaseStore, utc_now
from forensix.pluginhost import PluginHost, get_plugin_host
from forensix.report.alerts import scheme_descriptions
from forensix.report.context import APPENDIX_CHUNK, ContextBuilder, ReportOptions
from forensix.report.extensions import apply_column_filters, plugin_filters, plugin_sections
from forensix.report.nearmatches import near_matches
from forensix.report.render import environment, render_to_file
from forensix.report.seenin import seen_in
from forensix.report.reread import volume_refs
from forensix.report.thumbnails import Thumbnailer, evidence_paths
from forensix.report.times import TIME_FIELDS
from forensix.volumes.secrets import NONE, Secrets

__all__ = ["ReportOptions", "ReportResult", "generate_report"]


@dataclass(frozen=True, slots=True)
class ReportResult:
    path: Path
    sha256: str
    report_id: str
    sidecar: Path
    notes: tuple[str, ...] = ()
    """What the report could not show, in words (volumes whose pictures got no thumbnail, and why)."""


def generate_report(store: CaseStore, output: Path, options: ReportOptions = ReportOptions(),
                    host: PluginHost | None = None, secrets: Secrets = NONE) -> ReportResult:
    """Write the report and its ``.sha256`` file, each all or nothing, and log both
    in the case (the path relative to the case folder when inside it); a case
    opened read-only gets a report that its log does not record. ``secrets`` open the
    encrypted volumes whose pictures get thumbnails; they are kept in memory only."""
    output = output.resolve()
    builder = ContextBuilder(store, options)
    host = host if host is not None else get_plugin_host()
    seen = set(builder.last_scan().get("plugin_load_failures") or [])  # already shown from the scan
    execution_log = [f"report: plugin {f.plugin} not loaded: {f.error}" for f in host.failures
                     if f"{f.plugin}: {f.error}" not in seen]
    builtin = environment().filters
    filters = plugin_filters(host, set(builtin), execution_log)
    sections = plugin_sections(host, store, execution_log)
    apply_column_filters(sections, {**builtin, **filters}, execution_log)
    report_id = str(uuid.uuid4())
    last = builder.actions[-1] if builder.actions else None
    log_head = f"{last['seq']}:{last['hash']}" if last else ""
    seals = builder.seals()
    alert_index, alert_groups = builder.alerts()
    hashsets = builder.hashsets_used()
    context: dict[str, Any] = {
        "report_id": report_id, "sidecar_name": output.name + ".sha256", "generated_at": utc_now(), "tool_version": __version__,
        "host": platform.node(), "log_head": log_head, "options": options, "logged": not store.read_only,
        "cover": builder.cover(), "volume_tree": builder.volume_tree(), "scan_status": builder.scan_status(),
        "seals": seals, "summary": builder.summary(),
        "alert_index": alert_index, "alert_groups": alert_groups, "quiet_matches": builder.quiet_matches(),
        "alert_time_fields": [(f, label) for f, label in TIME_FIELDS if any(f in c["time_by_field"] for c in alert_index)],
        "near_matches": near_matches(builder), "seen_in": seen_in(builder),
        "disguised": builder.disguised(), "photos": builder.photos(), "network": builder.network(),
        "integrity": builder.integrity(), "action_log": builder.action_log(), "warnings": builder.warnings(),
        "appendix": builder.appendix(), "appendix_rows": builder.appendix_count(), "appendix_chunk": APPENDIX_CHUNK,
        "plugin_sections": sections, "execution_log": execution_log,
        "method": _method(host, builder.last_scan()),
        "libraries": builder.last_scan().get("libraries") or {}, "hashsets": hashsets,
        "schemes": scheme_descriptions(s for h in hashsets for s in h["schemes"]),
        "thumbnail_problems": [],
    }
    if options.show_thumbnails:
        _add_thumbnails(store, context, builder.labels, secrets)
    sha256 = render_to_file(environment(filters), context, output)
    sidecar = write_sidecar(output, sha256)
    if not store.read_only:
        store.log_action(REPORT_ACTION, path=case_relative(store.case_dir, output), sha256=sha256,
                         report_id=report_id, log_head=log_head,
                         seals={str(i["scan"]): i["carried"] for i in seals["items"].values()}, all_files=options.all_files,
                         show_thumbnails=options.show_thumbnails, device_timezone=options.device_timezone,
                         secrets_given=secrets.kinds())
    return ReportResult(output, sha256, report_id, sidecar, tuple(context["thumbnail_problems"]))


def _method(host: PluginHost, scan: dict[str, Any]) -> list[dict[str, str]]:
    """Each plugin of the last scan with the version that ran, what it does and its limits."""
    modules = dict(host.plugins())
    out = []
    for name, version in sorted((scan.get("plugins") or {}).items()):
        module = modules.get(name)
        out.append({"name": name, "version": str(version),
                    "description": str(getattr(module, "DESCRIPTION", "") or "(plugin not installed now)"),
                    "limits": str(getattr(module, "LIMITS", "") or "")})
    return out


def _add_thumbnails(store: CaseStore, context: dict[str, Any], labels: dict[int, str], secrets: Secrets) -> None:
    alert_hashes = {g["sha256"] for g in context["alert_groups"]} | {n["sha256"] for n in context["near_matches"]["items"]}
    volumes = volume_refs(store.db.execute("SELECT evidence_id, offset, volume_key, ref FROM volumes"), labels)
    thumbs = Thumbnailer(evidence_paths(store.evidence()), alert_hashes, volumes, secrets)
    try:
        for photo in context["photos"]:
            photo["thumb"] = thumbs.data_uri(photo["first"])
        for item in context["disguised"]:
            item["thumb"] = thumbs.data_uri(item)
    finally:
        thumbs.close()
    context["thumbnail_problems"] = thumbs.problems
