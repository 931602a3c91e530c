#!/usr/bin/env python3
"""Scan throughput and memory on evidence of a known size.

Speed and memory targets are measured here, never by timed assertions in tests.
Without arguments it builds the demo evidence (``--files`` ordinary files) and
scans it; give image paths to measure real evidence instead. Each scan runs in
its own process so peak RSS (``VmHWM``, read before the process exits) is the
scan's own, and phases are timed from the case's action log.

usage: python bench/scan_bench.py [IMAGE ...] [--files N] [--hashset FILE] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, runpy
sys.argv = ["forensix"] + sys.argv[1:]
try:
    runpy.run_path({launcher!r}, run_name="__main__")
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("PEAK_RSS_KB " + line.split()[1] + "\\n")
"""


def _iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def run_forensix(*args: str) -> tuple[float, float]:
    """Run one forensix command in its own process: (wall seconds, peak RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD.format(launcher=str(ROOT / "forensix.py")), *args],
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{args[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak_kb = int(next(line.split()[1] for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB")))
    return wall, peak_kb / 1024


def scan(images: list[str], case: Path, hashsets: list[str]) -> dict[str, float]:
    args = ["scan", *images, "--case", str(case), "--no-progress"]
    for h in hashsets:
        args += ["--hashset", h]
    wall, peak_mb = run_forensix(*args)
    db = sqlite3.connect(case / "case.sqlite")
    files, nbytes = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files WHERE container IS NULL").fetchone()
    log = {action: at for action, at in db.execute("SELECT action, at FROM actions ORDER BY seq")}
    hashing = [json.loads(d) for (d,) in db.execute("SELECT details FROM actions WHERE action LIKE 'evidence hashed%'")]
    walk = (_iso(log["scan finished"]) - _iso(log["scan started"])).total_seconds()
    media = sum(json.loads(d).get("size", 0) for (d,) in db.execute(
        "SELECT details FROM actions WHERE action='evidence added'"))
    return {"files": files, "bytes": nbytes, "media_bytes": media, "wall_s": wall, "scan_s": walk,
            "media_hash_passes": len(hashing), "peak_rss_mb": peak_mb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="*")
    ap.add_argument("--files", type=int, default=3000, help="ordinary files in the demo evidence")
    ap.add_argument("--hashset", action="append", default=[])
    ap.add_argument("--workdir", type=Path)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        work = Path(tmp)
        images, hashsets = a.images, a.hashset
        if not images:
            sys.path.insert(0, str(ROOT))
            from forensix.demo.build import build_demo

            t = time.perf_counter()
            demo = build_demo(work / "demo", files=a.files)
            print(f"demo evidence built in {time.perf_counter() - t:.1f} s ({a.files} ordinary files)")
            images = [str(demo.segments[0])]
            hashsets = hashsets or [str(demo.vics), str(demo.nsrl)]
        r = scan(images, work / "case", hashsets)
    print(f"files               {r['files']:>12,}")
    print(f"file bytes          {r['bytes'] / 1e6:>12,.1f} MB")
    print(f"media               {r['media_bytes'] / 1e6:>12,.1f} MB, hashed {r['media_hash_passes']}x (start, end)")
    print(f"scan (log)          {r['scan_s']:>12,.1f} s")
    print(f"process wall time   {r['wall_s']:>12,.1f} s")
    print(f"files/s             {r['files'] / r['scan_s']:>12,.0f}")
    print(f"peak RSS            {r['peak_rss_mb']:>12,.0f} MB")


if __name__ == "__main__":
    main()
