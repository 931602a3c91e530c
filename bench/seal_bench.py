#!/usr/bin/env python3
"""Sealing and checking a scan's records on a large synthetic case: time and memory.

Builds a case of ``--files`` records (default 1,000,000) as ``export_bench.py`` does,
adds findings as a scan of such a disk would (a hash-set alert in every hundred
files, a camera in every ten, an IP address in every seven), then, each step in its
own process: seals the scan as a completed scan does (the seal and its list), runs
``forensix verify`` on the intact case, changes one file's SHA-256 and runs it again
(the seal recomputed, then the list walked to name the change). Prints wall time,
CPU time and peak RSS (``VmHWM`` of the process tree) of each, and the list's size.

usage: python bench/seal_bench.py [--files N] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from export_bench import build_case  # noqa: E402  (bench/ is the script's folder, on sys.path)
from scan_bench import measure  # noqa: E402

FINDINGS = (
    ("hashmatch", "hash_alert", "sha256", '{"set": "vics", "category": "1", "alert": true}', 100),
    ("exif", "camera", "'Canon EOS 40D'", '{"make": "Canon", "model": "EOS 40D"}', 10),
    ("identifiers", "ipv4", "'198.51.100.' || (id % 250)", '{"scope": "documentation", "offset": 12}', 7),
)


def add_findings(case: Path) -> int:
    import sqlite3

    db = sqlite3.connect(case / "case.sqlite")
    with db:
        for plugin, kind, value, detail, every in FINDINGS:
            db.execute(f"INSERT INTO finding_rows(file_id, scan_id, plugin, kind, value, detail) SELECT id, scan_id,"
                       f" ?, ?, {value}, ? FROM file_rows WHERE id % {every} = 0", (plugin, kind, detail))
    count = db.execute("SELECT COUNT(*) FROM finding_rows").fetchone()[0]
    db.close()
    return count


def seal(case: Path) -> None:
    """What a completed scan does: seal the records and log the seal."""
    from forensix.case.custody import SEAL_ACTION
    from forensix.case.seal import seal_scan
    from forensix.case.store import CaseStore

    store = CaseStore.open(case)
    details = seal_scan(store, 1, 1)
    store.log_action(SEAL_ACTION, path="/evidence/bench.E01", label="B/1", scan=1, evidence_id=1, seal=details)
    store.close()


def tamper(case: Path) -> None:
    import sqlite3

    db = sqlite3.connect(case / "case.sqlite")
    with db:
        db.execute("UPDATE file_rows SET sha256=? WHERE id=(SELECT MAX(id) / 2 FROM file_rows)", ("0" * 64,))
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--step", choices=["seal"], help=argparse.SUPPRESS)
    ap.add_argument("case", nargs="?", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.step:
        seal(a.case)
        return
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        case = Path(tmp) / "case"
        started = time.perf_counter()
        build_case(case, a.files)
        findings = add_findings(case)
        print(f"built a case of {a.files:,} records and {findings:,} findings in {time.perf_counter() - started:.0f} s",
              flush=True)
        forensix = [sys.executable, str(ROOT / "forensix.py")]
        for label, args in (("seal (scan completing)", [sys.executable, __file__, "--step", "seal", str(case)]),
                            ("verify, records intact", [*forensix, "verify", str(case)]),
                            ("verify, one SHA-256 changed", [*forensix, "verify", str(case)])):
            if "changed" in label:
                tamper(case)
            run = measure(label, args)
            print(f"{label:<30} wall {run.seconds:6.1f} s  CPU {run.cpu:6.1f} s  peak RSS {run.peak_rss_mb:5.0f} MB"
                  f"  (exit {run.code})", flush=True)
        listed = next((case / "seals").iterdir())
        print(f"list {listed.name}: {listed.stat().st_size / 1e6:.1f} MB; case database"
              f" {(case / 'case.sqlite').stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
