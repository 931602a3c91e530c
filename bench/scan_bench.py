#!/usr/bin/env python3
"""Scan speed and memory beside The Sleuth Kit's own walker, in one run.

Builds the bench image (``bench/benchimage.py``: a 2 GiB ext4 image with
22,053 files, and an E01 of it) once into ``--cache``, then runs side by side:

* ``fiwalk -O -x`` on the raw image and on the E01 (MD5 and SHA-1 of every file);
* a plain pytsk3 loop, MD5 + SHA-1 + SHA-256 of every file, in 2 processes;
* ``forensix scan`` on each, as a user types it and with ``--media-hash none``.

Each command's wall time, content MB/s, files/s, ratio to fiwalk's speed, the
CPU time and the peak RSS of its whole process tree (workers included, sampled
every 20 ms from /proc) are printed. Speed targets are read here, never in tests.

usage: python bench/scan_bench.py [--cache DIR] [--only raw|e01] [--repeat N] [--workers N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import benchimage  # noqa: E402
from proctree import sample, tree  # noqa: E402

PLAIN_LOOP = r"""
import hashlib, sys, pytsk3
from multiprocessing import get_context

def listing(path):
    fs = pytsk3.FS_Info(pytsk3.Img_Info(path)); files = []
    def walk(d):
        for f in d:
            m = f.info.meta
            if f.info.name.name in (b".", b"..") or m is None: continue
            if m.type == pytsk3.TSK_FS_META_TYPE_DIR: walk(f.as_directory())
            elif m.type == pytsk3.TSK_FS_META_TYPE_REG: files.append((m.addr, m.size))
    walk(fs.open_dir("/")); return files

def work(args):
    path, files = args
    fs = pytsk3.FS_Info(pytsk3.Img_Info(path))
    for addr, size in files:
        f = fs.open_meta(inode=addr); off = 0
        hs = (hashlib.md5(), hashlib.sha1(), hashlib.sha256())
        while off < size:
            d = f.read_random(off, min(1 << 20, size - off))
            if not d: break
            for h in hs: h.update(d)
            off += len(d)

if __name__ == "__main__":
    path = sys.argv[1]; files = listing(path)
    with get_context("fork").Pool(2) as pool:
        pool.map(work, [(path, files[0::2]), (path, files[1::2])])
"""


@dataclass
class Run:
    label: str
    seconds: float
    cpu: float
    peak_rss_mb: float
    code: int


def measure(label: str, args: list[str], cwd: Path | None = None) -> Run:
    """Run a command; sample its process tree's RSS and CPU until it ends."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    peak, cpu, stop = [0], {}, threading.Event()

    def sampler() -> None:
        while not stop.is_set():
            total = 0
            for pid in tree(proc.pid):
                got = sample(pid)
                if got is not None:
                    total += got[0]
                    cpu[pid] = got[1]
            peak[0] = max(peak[0], total)
            stop.wait(0.02)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    thread.join()
    if proc.returncode != 0:
        print(f"  {label} failed ({proc.returncode}): {err.decode(errors='replace')[-600:]}", file=sys.stderr)
    return Run(label, seconds, sum(cpu.values()), peak[0] / 1024, proc.returncode)


def run_forensix(*args: str) -> tuple[float, float]:
    """One forensix command in its own process: (wall seconds, peak RSS of its tree in MB)."""
    run = measure(args[0], [sys.executable, str(ROOT / "forensix.py"), *args])
    if run.code != 0:
        sys.exit(f"forensix {args[0]} failed ({run.code})")
    return run.seconds, run.peak_rss_mb


def forensix(image: Path, work: Path, *extra: str) -> list[str]:
    case = work / f"case-{time.monotonic_ns()}"
    return [sys.executable, str(ROOT / "forensix.py"), "scan", str(image), "--case", str(case), "--no-progress",
            *extra]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "forensix-bench")
    ap.add_argument("--only", choices=["raw", "e01"])
    ap.add_argument("--repeat", type=int, default=1, help="run each command N times and keep the fastest")
    ap.add_argument("--workers", type=int, help="pass --workers N to forensix")
    a = ap.parse_args()
    if not shutil.which("fiwalk"):
        sys.exit("fiwalk not found (Debian package sleuthkit)")
    t = time.perf_counter()
    raw, e01 = benchimage.build(a.cache)
    print(f"bench image ready in {time.perf_counter() - t:.1f} s: {raw} and {e01}")
    files, content = benchimage.content_totals(raw)
    print(f"{files:,} files, {content / 1e6:,.0f} MB of content; {os.cpu_count()} cores\n")
    extra = ["--workers", str(a.workers)] if a.workers is not None else []
    plans = []
    if a.only in (None, "raw"):
        plans.append(("raw", [
            ("fiwalk -O -x", ["fiwalk", "-O", "-x", str(raw)]),
            ("plain pytsk3 loop, 2 processes", [sys.executable, "-c", PLAIN_LOOP, str(raw)]),
            ("forensix scan (as typed)", None),
            ("forensix scan --media-hash none", ["--media-hash", "none"]),
        ]))
    if a.only in (None, "e01"):
        plans.append(("e01", [
            ("fiwalk -O -x", ["fiwalk", "-O", "-x", str(e01)]),
            ("forensix scan (as typed)", None),
            ("forensix scan --media-hash none", ["--media-hash", "none"]),
        ]))
    with tempfile.TemporaryDirectory(dir=a.cache) as tmp:
        work = Path(tmp)
        for name, commands in plans:
            image = raw if name == "raw" else e01
            print(f"{name}: {'command':<36} {'s':>7} {'MB/s':>7} {'files/s':>8} {'vs fiwalk':>9} {'CPU s':>7}"
                  f" {'peak RSS MB':>11}")
            base = None
            for label, args in commands:
                if args is None or args[:1] == ["--media-hash"]:
                    args = forensix(image, work, *(args or []), *extra)
                best = min((measure(label, args) for _ in range(a.repeat)), key=lambda r: r.seconds)
                base = base or best.seconds
                print(f"{name}: {label:<36} {best.seconds:7.2f} {content / 1e6 / best.seconds:7.0f}"
                      f" {files / best.seconds:8.0f} {base / best.seconds:8.2f}x {best.cpu:7.1f}"
                      f" {best.peak_rss_mb:11.0f}")
            print()


if __name__ == "__main__":
    main()
