"""``forensix scan``: walk evidence, hash every file once, run the analyzers, in parallel."""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path

import click

from forensix import __version__
from forensix.budget import SharedExpansionBudget
from forensix.case.custody import SEAL_ACTION
from forensix.case.integrity import MediaReadError, hash_media, record_media_hashes
from forensix.case.lock import CaseBusy, case_lock
from forensix.case.schema import SCAN_COMPLETE, CaseError
from forensix.case.seal import drop_superseded_lists, seal_scan
from forensix.case.store import CaseStore
from forensix.cli.console import UserError, console
from forensix.cli.labscan import LabScan
from forensix.cli.options import parse_options, plugin_options, secret_options
from forensix.cli.scanprogress import ScanDisplay
from forensix.engine.coordinator import Coordinator, ScanStats, engine_context
from forensix.engine.executor import ExecutorError
from forensix.engine.setup import PluginSpec, ScanSetup, configure
from forensix.engine.units import EvidenceRef
from forensix.evidence import EvidenceError, EvidenceSource, not_a_disk_image, open_evidence
from forensix.pluginhost import NO_AUTOLOAD_ENV, PluginHost, call_impl
from forensix.scanconfig import ScanConfig
from forensix.versions import library_versions
from forensix.volumes import recognised
from forensix.volumes.secrets import Secrets


@dataclass(frozen=True, slots=True)
class _Plan:
    """What this run does with one evidence item, decided before any work starts."""

    source: EvidenceSource
    exhibit: str | None
    evidence_id: int
    scan_id: int | None
    """``None``: the item's scan completed earlier and ``--rescan`` was not given."""
    resumed: bool = False
    walked: bool = False
    media_hashed: bool = False

    @property
    def label(self) -> str:
        return self.exhibit or self.source.path.name


@click.command("scan")
@click.argument("evidence", nargs=-1, required=True)
@click.option("--case", "case_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Case folder (created if needed).")
@click.option("--hashset", "hashsets", multiple=True, metavar="FILE_OR_NAME",
              help="Hash set to match: the name of an imported set or a set file in any supported format.")
@click.option("--exhibit", "exhibits", multiple=True, metavar="NUMBER",
              help="Exhibit number of each evidence item, in the order given.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE", help="A plugin option.")
@click.option("--media-hash", type=click.Choice(["once", "both", "none", "start"]), default="once",
              show_default=True,
              help="Hash the whole media once, beside the file scan (E01: checked against its stored hash); "
                   "'both' adds a second pass after the scan; 'none' leaves it to `forensix verify-evidence`. "
                   "'start' is the old name of 'once'.")
@click.option("--workers", type=click.IntRange(min=0), default=None, metavar="N",
              help="Worker processes reading files (default: one per core; 0 reads in this process).")
@click.option("--file-timeout", type=click.FloatRange(min=1), default=300.0, show_default=True, metavar="SECONDS",
              help="A file (or a directory listing) on which no progress is made for this long costs a warning, "
                   "and the scan goes on.")
@click.option("--rescan", is_flag=True,
              help="Scan evidence again although its scan completed; the earlier result stays until the new "
                   "scan completes.")
@click.option("--no-progress", is_flag=True, help="No progress display (for logs and scripts).")
@click.option("--pdq-threshold", type=click.IntRange(0, 64), metavar="BITS",
              help="Largest PDQ distance (bits of 256) at which a picture near-matches a listed one [default: 31].")
@secret_options
@click.option("--no-vss", is_flag=True, help="Do not walk the Volume Shadow Copies of NTFS volumes.")
@click.option("--broker", envvar="FORENSIX_BROKER", metavar="URL",
              help="Spread the scan over the lab's workers (forensix worker) through this Redis "
                   "(redis://HOST:6379/0); the case is written here, as in a local scan. "
                   "Env: FORENSIX_BROKER, better than the command line when it carries a password.")
@click.option("--repo", "repo_url", envvar="FORENSIX_REPO", metavar="URL",
              help="Afterwards add the case to the lab's central repository (forensix repo init) and record "
                   "what other cases saw. Env: FORENSIX_REPO.")
@plugin_options
def command(evidence: tuple[str, ...], case_dir: Path, hashsets: tuple[str, ...], exhibits: tuple[str, ...],
            options: tuple[str, ...], media_hash: str, workers: int | None, file_timeout: float, rescan: bool,
            no_progress: bool, pdq_threshold: int | None, secrets: Secrets, no_vss: bool, broker: str | None,
            repo_url: str | None, disable: tuple[str, ...], enable: tuple[str, ...],
            plugins_dirs: tuple[Path, ...]) -> None:
    """Scan EVIDENCE (disk images: raw/dd, split raw, E01, VMDK, VHD/VHDX, QCOW2; or folders).

    A scan that was stopped (Ctrl-C, a crash, a power cut) resumes where it
    stopped when the same command is run again; evidence whose scan completed
    is skipped unless --rescan is given.
    """
    if len(exhibits) > len(evidence):
        raise UserError("more --exhibit numbers than evidence items")
    media_hash = "once" if media_hash == "start" else media_hash
    lab = LabScan.prepare(broker, repo_url, secrets)
    if pdq_threshold is not None:  # the pdq plugin reads it as an option
        options += (f"pdq_threshold={pdq_threshold}",)
    sources = [_open(path) for path in evidence]
    for source in sources:
        if source.is_folder and case_dir.resolve().is_relative_to(source.path):
            raise UserError(f"the case folder {case_dir} is inside the evidence folder {source.path};"
                            " put it elsewhere so the scan does not examine its own output")
    # plugin names and hash sets are checked before the case folder exists: a typo leaves no empty case behind
    spec = PluginSpec(tuple(str(p) for p in plugins_dirs), enable, disable,
                      os.environ.get(NO_AUTOLOAD_ENV, "") in ("", "0"))
    host = spec.host()
    opened = _open_hashsets(hashsets, case_dir.resolve())
    if lab is not None:
        lab.check_case(case_dir)
    case_dir.mkdir(parents=True, exist_ok=True)
    try:
        with case_lock(case_dir, "scan"):
            _scan(sources, case_dir, host, opened, hashsets, exhibits, options, media_hash, workers, file_timeout,
                  rescan, no_progress, spec, secrets, not no_vss, lab)
    except (CaseBusy, ExecutorError) as exc:
        raise UserError(str(exc)) from None
    finally:
        for source in sources:
            source.close()


def _scan(sources: list[EvidenceSource], case_dir: Path, host: PluginHost, opened: list, hashsets: tuple[str, ...],
          exhibits: tuple[str, ...], options: tuple[str, ...], media_hash: str, workers: int | None,
          file_timeout: float, rescan: bool, no_progress: bool, plugins: PluginSpec, secrets: Secrets,
          shadow_copies: bool, lab: LabScan | None) -> None:
    try:
        store = CaseStore.open(case_dir, create=True)
    except CaseError as exc:
        raise UserError(str(exc)) from None
    for failure in host.failures:
        console.warning(f"plugin {failure.plugin} not loaded: {failure.error}")
    config = ScanConfig(case_dir=case_dir.resolve(), store=store, hashsets=hashsets, options=parse_options(options))
    setup = ScanSetup(str(case_dir.resolve()), plugins, tuple(str(hs.path) for hs in opened),
                      tuple(sorted(config.options.items())), file_timeout, shadow_copies=shadow_copies, secrets=secrets)
    plugin_versions = {i.name: i.version for i in host.info()}
    settings = setup.fingerprint(plugin_versions, [hs.source_sha256 for hs in opened])
    plans = [_plan(store, source, exhibits[i] if i < len(exhibits) else None, settings, rescan)
             for i, source in enumerate(sources)]
    started = time.monotonic()
    workers = (os.cpu_count() or 1) if workers is None else workers
    distributed = lab is not None and lab.broker is not None
    if workers and not distributed:  # one archive expansion budget per evidence item, whichever worker opens it
        setup = replace(setup, budget=SharedExpansionBudget(engine_context(), [p.label for p in plans]))
    store.log_action("scan started", evidence=[str(s.path) for s in sources], hashsets=list(hashsets),
                     plugins=plugin_versions, plugin_load_failures=[f"{f.plugin}: {f.error}" for f in host.failures],
                     options=config.options, media_hash=media_hash, workers=workers, file_timeout=file_timeout,
                     rescan=rescan, shadow_copies=shadow_copies, secrets_given=secrets.kinds(),
                     tool=f"forensix {__version__}", libraries=library_versions(),
                     **(lab.log_details() if lab is not None else {}))
    configure(host, config, lambda plugin, exc: _plugin_not_configured(store, plugin, exc))
    executor = None if not distributed else lab.executor(
        setup, {i.name: i.version for i in host.info()}, opened, {p.evidence_id: p.source.size for p in plans})
    with ScanDisplay(console, disable=no_progress) as display:
        coordinator = Coordinator(store, setup, workers, display,
                                  on_media_hash=lambda *args: _media_hashed(store, display, *args), executor=executor)
        try:
            for plan in plans:
                _scan_one(store, coordinator, plan, media_hash, display)
            stats = _finish(host, config, coordinator.stats)
            _whole_scans(store, stats, [plan.scan_id for plan in plans if plan.scan_id is not None])
        except BaseException as exc:  # Ctrl-C, a full disk or a defect: the log must say the scan did not finish
            coordinator.close()
            _ended_early(store, exc, started, coordinator.stats)
            raise
        coordinator.close()
    if lab is not None:
        lab.compare(store)
    elapsed = time.monotonic() - started
    log_head = store.log_action("scan finished", seconds=round(elapsed, 1), **_stats_dict(stats))
    store.close()
    _summary(stats, case_dir, elapsed, log_head)


def _plan(store: CaseStore, source: EvidenceSource, exhibit: str | None, settings: str, rescan: bool) -> _Plan:
    """Resume an unfinished scan run with the same settings, skip a completed one, or start anew."""
    label = exhibit or source.path.name
    evidence_id = store.add_evidence(str(source.path), label, source.fmt, source.segments, source.size,
                                     exhibit=exhibit, stored_md5=source.stored_hashes.get("md5"),
                                     stored_sha1=source.stored_hashes.get("sha1"))
    scans = store.scans(evidence_id)
    last_complete = max((s["id"] for s in scans if s["status"] == SCAN_COMPLETE), default=0)
    unfinished = [s for s in scans if s["id"] > last_complete and s["status"] in ("running", "ended early")]
    if unfinished:
        scan = unfinished[-1]
        if scan["settings"] == settings:
            return _Plan(source, exhibit, evidence_id, scan["id"], resumed=True, walked=bool(scan["walked"]),
                         media_hashed=bool(scan["media_hashed"]))
        if not rescan:
            raise UserError(f"{label}: an unfinished scan of this evidence used other hash sets, plugins or "
                            "options; run the same command again to resume it, or add --rescan to start over")
        store.drop_scan(scan["id"])
    elif last_complete and not rescan:
        return _Plan(source, exhibit, evidence_id, None)
    return _Plan(source, exhibit, evidence_id, store.start_scan(evidence_id, settings))


def _scan_one(store: CaseStore, coordinator: Coordinator, plan: _Plan, media_hash: str,
              display: ScanDisplay) -> None:
    source = plan.source
    if plan.scan_id is None:
        console.info(f"{plan.label}: its scan completed earlier; skipped (--rescan scans it again)")
        store.log_action("evidence skipped", path=str(source.path), label=plan.label,
                         reason="its scan completed earlier and --rescan was not given")
        return
    details = dict(path=str(source.path), label=plan.label, format=source.fmt, segments=list(source.segments),
                   size=source.size, exhibit=plan.exhibit, scan=plan.scan_id)
    if plan.resumed:
        done, _ = store.recorded(plan.scan_id)
        store.log_action("scan resumed", files_already_recorded=done, **details)
    else:
        store.log_action("evidence added", **details)
    ref = EvidenceRef(plan.evidence_id, str(source.path), source.fmt, plan.label)
    coordinator.scan(ref, plan.scan_id, plan.walked, media_hash != "none" and not plan.media_hashed)
    if media_hash == "both":
        _second_media_pass(store, plan, display)
    seal = seal_scan(store, plan.evidence_id, plan.scan_id)  # before it counts as complete: a kill here resumes
    store.complete_scan(plan.scan_id)
    drop_superseded_lists(store, plan.evidence_id)
    files, nbytes = store.recorded(plan.scan_id)
    store.log_action(SEAL_ACTION, path=str(source.path), label=plan.label, scan=plan.scan_id,
                     evidence_id=plan.evidence_id, files=files, bytes=nbytes, seal=seal)


def _media_hashed(store: CaseStore, display: ScanDisplay, evidence_id: int, digests: dict[str, str] | None,
                  stored: dict[str, str], error: str | None) -> None:
    """The acquisition hash arrived from its process (or could not be computed)."""
    path = next(ev["path"] for ev in store.evidence() if ev["id"] == evidence_id)
    if digests is not None:
        record_media_hashes(store, evidence_id, path, "start", digests, stored)
        return
    message = f"media hash (start) not computed: {error}"
    store.add_warning(evidence_id, path, message)
    store.log_action("evidence hashed (start)", path=path, error=message)
    display.warning(message)


def _second_media_pass(store: CaseStore, plan: _Plan, display: ScanDisplay) -> None:
    """``--media-hash both``: the whole media again after the scan, to show it did not change."""
    source = plan.source
    try:
        digests = hash_media(source, lambda n: display.media(plan.label, n, source.size))
    except (MediaReadError, OSError) as exc:
        _media_hashed(store, display, plan.evidence_id, None, {}, str(exc))
        return
    record_media_hashes(store, plan.evidence_id, str(source.path), "end", digests, source.stored_hashes)


def _open(path: str) -> EvidenceSource:
    """Open an evidence item, refusing up front what is not evidence at all."""
    try:
        source = open_evidence(path)
    except EvidenceError as exc:
        raise UserError(str(exc)) from None
    raw = source.fmt in ("raw", "split-raw")  # a recognised container that yields nothing is damaged evidence
    if raw and not recognised(source.image):
        reason = not_a_disk_image(source)
        if reason is not None:
            source.close()
            raise UserError(f"{path}: not a disk image: no partition table or file system, and {reason}")
    return source


def _open_hashsets(specs: tuple[str, ...], case_dir: Path) -> list:
    """Open (importing a file on first use) every set: a mistyped name is a user error (exit 2),
    not a silent scan without it; the workers get the index folders."""
    if not specs:
        return []
    from forensix.hashsets import HashSetError, open_hashset

    opened = []
    for spec in specs:
        try:
            hs = open_hashset(spec, case_dir)
        except HashSetError as exc:
            raise UserError(str(exc)) from None
        opened.append(hs)
        hs.close()
    return opened


def _plugin_not_configured(store: CaseStore, plugin: str, exc: Exception) -> None:
    message = f"plugin {plugin} failed during configure and did not run: {exc}"
    store.add_warning(None, "scan", message)
    console.warning(message)


def _finish(host, config: ScanConfig, stats: ScanStats) -> ScanStats:
    """``forensix_scan_finished`` in this process, where the case store is."""
    extra: dict[str, object] = {}
    for impl in host.impls("forensix_scan_finished"):
        try:
            call_impl(impl, config=config, stats=extra)
        except Exception as exc:
            stats.plugin_errors += 1
            config.store.add_warning(None, "scan", f"plugin {impl.plugin_name} failed at the end of the scan: {exc}")
    stats.extra.update(extra)
    config.store.commit()
    return stats


def _whole_scans(store: CaseStore, stats: ScanStats, scan_ids: list[int]) -> None:
    """The summary's counts of the scans as a whole: a resumed scan recorded part of its files
    in an earlier run. (The data hashed stays this run's.)"""
    totals = store.scan_totals(scan_ids)
    for key in ("files", "deleted", "alerts", "known_good", "warnings"):
        setattr(stats, key, totals[key])
    if totals["archive_members"]:
        stats.extra["archive_members"] = totals["archive_members"]


def _ended_early(store: CaseStore, exc: BaseException, started: float, stats: ScanStats) -> None:
    """Say in the log that the scan did not finish, if the case can still be written (on a full
    disk it may not be: the scan rows still say 'running', which reads as unfinished too)."""
    try:
        store.db.rollback()
        store.db.execute("UPDATE scans SET status='ended early' WHERE status='running'")
        store.commit()
        store.log_action("scan ended early", reason=f"{exc.__class__.__name__}: {exc}",
                         seconds=round(time.monotonic() - started, 1), **_stats_dict(stats))
    except sqlite3.Error:
        pass
    finally:
        try:
            store.close()
        except sqlite3.Error:
            pass


def _stats_dict(stats: ScanStats) -> dict[str, object]:
    out = {k: getattr(stats, k) for k in ("evidence", "volumes", "files", "deleted", "bytes_hashed",
                                          "alerts", "known_good", "warnings", "plugin_errors", "worker_failures")}
    out.update(stats.extra)
    return out


def _summary(stats: ScanStats, case_dir: Path, elapsed: float, log_head: str) -> None:
    """The closing table; the log head is for the examiner's notes: with it, a later
    `forensix verify` can be checked against an entry cut from the end of the log."""
    rows = [
        ("evidence items", str(stats.evidence)),
        ("file systems walked", str(stats.volumes)),
        ("files", f"{stats.files:,} ({stats.deleted:,} deleted)"),
        ("data hashed (this run)", f"{stats.bytes_hashed / 1e6:,.1f} MB"),
        ("known-material alerts", f"{stats.alerts:,}"),
        ("known-good files", f"{stats.known_good:,}"),
        ("warnings", f"{stats.warnings:,}"),
        ("plugin errors", str(stats.plugin_errors)),
    ]
    if stats.worker_failures:
        rows.append(("files that stopped a worker", str(stats.worker_failures)))
    rows += [(k.replace("_", " "), str(v)) for k, v in sorted(stats.extra.items())]
    rows.append(("time", f"{elapsed:.1f} s"))
    console.table(f"scan summary — case {case_dir}", rows)
    console.info(f"action log head (note it): {log_head}")
    if stats.alerts:
        console.warning(f"{stats.alerts} files match known-material hash sets; they are listed, never shown, "
                        f"in the report (forensix report {case_dir})")
