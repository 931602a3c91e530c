"""``forensix scan``: walk evidence, hash every file once, run the analyzers."""
from __future__ import annotations

import time
from pathlib import Path

import click
from rich.progress import (BarColumn, DownloadColumn, Progress, SpinnerColumn, TaskID, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn)

from forensix import __version__
from forensix.casestore import CaseError, CaseStore
from forensix.cli.console import UserError, console
from forensix.cli.options import parse_options, plugin_options
from forensix.engine import Progress as EngineProgress
from forensix.engine import Scanner, ScanStats
from forensix.evidence import EvidenceError, EvidenceSource, not_a_disk_image, open_evidence
from forensix.integrity import MediaReadError, record_media_hashes
from forensix.pluginhost import get_plugin_host
from forensix.scanconfig import ScanConfig
from forensix.versions import library_versions
from forensix.volumes import find_filesystems

SHOWN_WARNINGS = 20


class BarProgress(EngineProgress):
    """One bar per evidence item: bytes read, with the file count beside it."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.files_done = 0
        self.files_total = 0
        self.warnings = 0

    def counting(self, label: str) -> None:
        self._replace_task(self.progress.add_task(f"{label}: listing files", total=None, detail=""))

    def _replace_task(self, task: TaskID) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = task

    def start_evidence(self, label: str, total_files: int, total_bytes: int) -> None:
        self.files_done, self.files_total = 0, total_files
        self._replace_task(self.progress.add_task(f"{label}: files", total=total_bytes or None,
                                                  detail=f"0/{total_files} files"))

    def advance(self, files: int, nbytes: int) -> None:
        self.files_done += files
        self.progress.update(self.task, advance=nbytes, detail=f"{self.files_done}/{self.files_total} files")

    def warning(self, text: str) -> None:
        """Show the first warnings as they come; all of them are in the case."""
        self.warnings += 1
        if self.warnings <= SHOWN_WARNINGS:
            console.warning(text)
        elif self.warnings == SHOWN_WARNINGS + 1:
            console.warning("more warnings follow; all are recorded in the case and the report")


def progress_bars(disable: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TextColumn("{task.fields[detail]}"), TransferSpeedColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console.err, disable=disable, transient=True)


@click.command("scan")
@click.argument("evidence", nargs=-1, required=True)
@click.option("--case", "case_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Case folder (created if needed); re-scanning the same evidence replaces its records.")
@click.option("--hashset", "hashsets", multiple=True, metavar="FILE_OR_NAME",
              help="Hash set to match: the name of an imported set or a set file in any supported format.")
@click.option("--exhibit", "exhibits", multiple=True, metavar="NUMBER",
              help="Exhibit number of each evidence item, in the order given.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE", help="A plugin option.")
@click.option("--media-hash", type=click.Choice(["both", "start", "none"]), default="both", show_default=True,
              help="Hash the whole media before and after the scan, before only, or not at all (each pass "
                   "reads the whole image; `forensix verify-evidence` can hash it later).")
@click.option("--no-progress", is_flag=True, help="No progress bars (for logs and scripts).")
@click.option("--pdq-threshold", type=click.IntRange(0, 64), metavar="BITS",
              help="Largest PDQ distance (bits of 256) at which a picture near-matches a listed one [default: 31].")
@plugin_options
def command(evidence: tuple[str, ...], case_dir: Path, hashsets: tuple[str, ...], exhibits: tuple[str, ...],
            options: tuple[str, ...], media_hash: str, no_progress: bool, pdq_threshold: int | None,
            disable: tuple[str, ...], enable: tuple[str, ...], plugins_dirs: tuple[Path, ...]) -> None:
    """Scan EVIDENCE (disk images: raw/dd, split raw, E01, VMDK, VHD/VHDX, QCOW2; or folders)."""
    if len(exhibits) > len(evidence):
        raise UserError("more --exhibit numbers than evidence items")
    if pdq_threshold is not None:  # the pdq plugin reads it as an option
        options += (f"pdq_threshold={pdq_threshold}",)
    sources = [_open(path) for path in evidence]
    for source in sources:
        if source.is_folder and case_dir.resolve().is_relative_to(source.path):
            raise UserError(f"the case folder {case_dir} is inside the evidence folder {source.path};"
                            " put it elsewhere so the scan does not examine its own output")
    try:
        store = CaseStore.open(case_dir, create=True)
    except CaseError as exc:
        raise UserError(str(exc)) from None
    host = get_plugin_host(plugins_dirs=plugins_dirs, enable=enable, disable=disable)
    for failure in host.failures:
        console.warning(f"plugin {failure.plugin} not loaded: {failure.error}")
    config = ScanConfig(case_dir=case_dir.resolve(), store=store, hashsets=hashsets,
                        options=parse_options(options))
    _check_hashsets(hashsets, config)
    started = time.monotonic()
    store.log_action("scan started", evidence=[str(s.path) for s in sources], hashsets=list(hashsets),
                     plugins={i.name: i.version for i in host.info()},
                     plugin_load_failures=[f"{f.plugin}: {f.error}" for f in host.failures],
                     options=config.options, media_hash=media_hash, tool=f"forensix {__version__}",
                     libraries=library_versions())
    with progress_bars(no_progress) as bars:
        progress = BarProgress(bars)
        scanner = Scanner(host, store, config, progress)
        try:
            scanner.configure()
            for index, source in enumerate(sources):
                exhibit = exhibits[index] if index < len(exhibits) else None
                _scan_one(store, scanner, source, exhibit, media_hash, progress)
            stats = scanner.finish()
        except BaseException as exc:  # Ctrl-C or a defect: the log must say the scan did not finish
            store.commit()
            store.log_action("scan ended early", reason=f"{exc.__class__.__name__}: {exc}",
                             seconds=round(time.monotonic() - started, 1), **_stats_dict(scanner.stats))
            store.close()
            raise
    elapsed = time.monotonic() - started
    log_head = store.log_action("scan finished", seconds=round(elapsed, 1), **_stats_dict(stats))
    store.close()
    _summary(stats, case_dir, elapsed, log_head)


def _scan_one(store: CaseStore, scanner: Scanner, source: EvidenceSource, exhibit: str | None,
              media_hash: str, progress: BarProgress) -> None:
    label = exhibit or source.path.name
    evidence_id = store.begin_evidence(str(source.path), label, source.fmt, source.segments, source.size,
                                       exhibit=exhibit, stored_md5=source.stored_hashes.get("md5"),
                                       stored_sha1=source.stored_hashes.get("sha1"))
    store.log_action("evidence added", path=str(source.path), label=label, format=source.fmt,
                     segments=list(source.segments), size=source.size, exhibit=exhibit)
    try:
        if media_hash != "none":
            _hash_media(store, evidence_id, source, "start", progress)
        scanner.scan(source, label, evidence_id)
        if media_hash == "both":
            _hash_media(store, evidence_id, source, "end", progress)
    finally:
        source.close()
    store.update_evidence(evidence_id, scanned_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def _hash_media(store: CaseStore, evidence_id: int, source: EvidenceSource, phase: str,
                progress: BarProgress) -> None:
    """Acquisition hash before the scan and again after it, to show the evidence did
    not change; media that cannot be read to its end is a warning, not the scan."""
    task = progress.progress.add_task(f"{source.path.name}: media hash ({phase})", total=source.size or None,
                                      detail="")
    try:
        record_media_hashes(store, evidence_id, source, phase,
                            lambda n: progress.progress.advance(task, n))
    except (MediaReadError, OSError) as exc:
        message = f"media hash ({phase}) not computed: {exc}"
        store.add_warning(evidence_id, str(source.path), message)
        store.log_action(f"evidence hashed ({phase})", path=str(source.path), error=message)
        progress.warning(message)
    finally:
        progress.progress.remove_task(task)


def _open(path: str) -> EvidenceSource:
    """Open an evidence item, refusing up front what is not evidence at all."""
    try:
        source = open_evidence(path)
    except EvidenceError as exc:
        raise UserError(str(exc)) from None
    raw = source.fmt in ("raw", "split-raw")  # a recognised container that yields nothing is damaged evidence
    if raw and not any(fs is not None for _, fs in find_filesystems(source.image, lambda _: None)):
        reason = not_a_disk_image(source)
        if reason is not None:
            source.close()
            raise UserError(f"{path}: not a disk image: no partition table or file system, and {reason}")
    return source


def _check_hashsets(specs: tuple[str, ...], config: ScanConfig) -> None:
    """A mistyped hash-set name is a user error (exit 2), not a silent scan without it."""
    if not specs:
        return
    from forensix.hashsets import HashSetError, open_hashset

    for spec in specs:
        try:
            open_hashset(spec, config.case_dir)
        except HashSetError as exc:
            raise UserError(str(exc)) from None


def _stats_dict(stats: ScanStats) -> dict[str, object]:
    out = {k: getattr(stats, k) for k in ("evidence", "volumes", "files", "deleted", "bytes_hashed",
                                          "alerts", "known_good", "warnings", "plugin_errors")}
    out.update(stats.extra)
    return out


def _summary(stats: ScanStats, case_dir: Path, elapsed: float, log_head: str) -> None:
    """The closing table; the log head is for the examiner's notes: with it, a later
    `forensix verify` can be checked against an entry cut from the end of the log."""
    rows = [
        ("evidence items", str(stats.evidence)),
        ("file systems walked", str(stats.volumes)),
        ("files", f"{stats.files} ({stats.deleted} deleted)"),
        ("data hashed", f"{stats.bytes_hashed / 1e6:,.1f} MB"),
        ("known-material alerts", str(stats.alerts)),
        ("known-good files", str(stats.known_good)),
        ("warnings", str(stats.warnings)),
        ("plugin errors", str(stats.plugin_errors)),
    ]
    rows += [(k.replace("_", " "), str(v)) for k, v in sorted(stats.extra.items())]
    rows.append(("time", f"{elapsed:.1f} s"))
    console.table(f"scan summary — case {case_dir}", rows)
    console.info(f"action log head (note it): {log_head}")
    if stats.alerts:
        console.warning(f"{stats.alerts} files match known-material hash sets; they are listed, never shown, "
                        f"in the report (forensix report {case_dir})")
