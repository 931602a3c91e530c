#!/usr/bin/env python3
"""Export memory and speed on a large synthetic case: memory must not grow with the case.

Builds a case of ``--files`` records (default 1,000,000) straight through the
case store (no evidence is read; the records look like a scan's: digests, times,
types, an alert in every hundred, a picture in every ten), and a tenth-size case
beside it, then runs every export format on both, each in its own process, and
prints wall time and peak RSS (``VmHWM``). Flat memory means the peak of the
large case is that of the small one.

usage: python bench/export_bench.py [--files N] [--formats jsonl,csv,...] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scan_bench import run_forensix  # noqa: E402  (bench/ is the script's folder, on sys.path)

FORMATS = ("jsonl", "csv", "case", "dfxml", "bodyfile", "vics")


def build_case(case: Path, files: int) -> float:
    """A case of ``files`` scan-like records; returns the seconds it took."""
    from forensix.case.store import CaseStore
    from forensix.case.storedrecord import stored_record
    from forensix.records import Digests, FileEntry, FileRecord

    started = time.perf_counter()
    store = CaseStore.open(case, create=True)
    store.set_info(case_number="BENCH/1", examiner="bench")
    evidence = store.add_evidence("/evidence/bench.E01", "B/1", "ewf", ["/evidence/bench.E01"], 1 << 40)
    scan = store.start_scan(evidence, "{}")
    store.add_volume(evidence, scan, 1048576, 1 << 40, "NTFS", 2, "ntfs")
    for n in range(files):
        digest = hashlib.sha256(n.to_bytes(8, "little")).hexdigest()
        picture = n % 10 == 0
        entry = FileEntry("B/1", 1048576, "ntfs", f"/Users/u{n % 50}/Documents/d{n % 997}/file{n}.{'jpg' if picture else 'txt'}",
                          f"{n + 64}-128-1", n % 40 == 0, 1000 + n % 50000, mtime="2026-01-31T14:03:05Z",
                          atime="2026-02-01T09:00:00Z", ctime="2026-01-31T14:03:05Z", crtime="2025-12-24T18:00:00Z")
        matches = [{"set": "vics", "kind": "known-bad", "category": "1", "alert": True, "media_id": str(n)}] \
            if n % 100 == 0 else []
        analysis = {"mime": "image/jpeg" if picture else "text/plain", "extension_mismatch": False,
                    "hash_matches": matches}
        record = FileRecord(entry, Digests(digest[:32], digest[:40], digest, entry.size), analysis, (), ())
        store.add_rows(evidence, scan, [stored_record(record)])
    store.complete_scan(scan)
    store.close()
    return time.perf_counter() - started


def export(case: Path, fmt: str, out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one export in its own process."""
    extra = ["--include", "unknown-pictures"] if fmt == "vics" else []
    return run_forensix("export", str(case), "--format", fmt, "-o", str(out), *extra)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--workdir", type=Path)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        sizes = (a.files // 10, a.files)
        cases = {}
        for size in sizes:
            cases[size] = Path(tmp) / f"case{size}"
            print(f"built a case of {size:,} records in {build_case(cases[size], size):.0f} s", flush=True)
        print(f"{'format':<10}" + "".join(f"{f'{s:,} files':>30}" for s in sizes))
        for fmt in a.formats.split(","):
            row = []
            for size in sizes:
                out = Path(tmp) / f"export{size}.{fmt}"
                wall, peak = export(cases[size], fmt, out)
                row.append(f"{wall:8.1f} s {size / wall:8,.0f}/s {peak:5.0f} MB")
                out.unlink()
            print(f"{fmt:<10}" + "".join(f"{cell:>30}" for cell in row), flush=True)


if __name__ == "__main__":
    main()
