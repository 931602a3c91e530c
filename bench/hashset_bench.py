"""Benchmark the hash-set index at NSRL scale against a Python set and SQLite.

Builds a hashdeep file of N entries (MD5 + SHA-256, default 10 million),
imports it, then looks up M files' digests (default 1 million files, 1% of
them in the set), checking MD5 and SHA-256 of every file.

What is counted: a *lookup* is one digest looked up, so a file checked on MD5
and SHA-256 is two; both digests/s and files/s are printed, and the issue's
target (1,000,000 lookups/s) is on digests/s. The import rate counts entries
(lines) per second, the source file's SHA-256 (which every import computes,
for the chain of custody) included; its share is printed beside it.

Batched and per-file: ``contains_many`` looks up ``BATCH`` files' digests in
one call, as a scan could if it gathered the digests of the files it has
hashed and looked them up between two flushes of its output; the scan today
calls ``HashSet.lookup`` once per file (``plugins/hashmatch.py``), and that
form is measured too (on ``--single`` files), so the gap is visible. Queries
are read from disk a batch at a time, so the harness adds little to RSS.

Each contender runs in its own subprocess, so its peak RSS (the kernel's
VmHWM) is its own; mapped index pages it touched count in it.

    python bench/hashset_bench.py [--entries 10000000] [--lookups 1000000] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 1_000_000
BATCH = 4096
"""Files per lookup batch: roughly what a scan has hashed between two flushes."""
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def _hex(raw: np.ndarray) -> np.ndarray:
    """(n, k) uint8 -> (n, 2k) ASCII hex, vectorised."""
    out = np.empty((raw.shape[0], raw.shape[1] * 2), np.uint8)
    out[:, 0::2] = _HEX[raw >> 4]
    out[:, 1::2] = _HEX[raw & 15]
    return out


def _digests(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 16), np.uint8), rng.integers(0, 256, (n, 32), np.uint8)


def generate(work: Path, entries: int, lookups: int) -> None:
    """The hashdeep input and the query files (raw digests, 1% of them hits)."""
    hits_wanted = lookups // 100
    rng = np.random.default_rng(1)
    hit_rows = np.sort(rng.choice(entries, hits_wanted, replace=False))
    hit_md5, hit_sha = [], []
    with open(work / "big.hashdeep", "wb") as out:
        out.write(b"%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n## benchmark data\n")
        for first in range(0, entries, CHUNK):
            n = min(CHUNK, entries - first)
            md5, sha = _digests(1000 + first // CHUNK, n)
            ids = np.arange(first, first + n, dtype=">u4").view(np.uint8).reshape(-1, 4)
            line = np.concatenate([
                np.tile(np.frombuffer(b"4096,", np.uint8), (n, 1)), _hex(md5), np.full((n, 1), ord(","), np.uint8),
                _hex(sha), np.tile(np.frombuffer(b",./f", np.uint8), (n, 1)), _hex(ids),
                np.full((n, 1), ord("\n"), np.uint8)], axis=1)
            out.write(line.tobytes())
            local = hit_rows[(hit_rows >= first) & (hit_rows < first + n)] - first
            hit_md5.append(md5[local])
            hit_sha.append(sha[local])
    miss_md5, miss_sha = _digests(7, lookups - hits_wanted)
    order = rng.permutation(lookups)
    (work / "queries.md5").write_bytes(np.concatenate([*hit_md5, miss_md5])[order].tobytes())
    (work / "queries.sha256").write_bytes(np.concatenate([*hit_sha, miss_sha])[order].tobytes())


def _rss_mb() -> float:
    """Peak RSS of this process. Linux keeps ru_maxrss across exec (the parent's peak
    would leak in), so the kernel's per-process high-water mark is preferred."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _batches(work: Path, batch: int, limit: int | None = None):
    """(MD5s, SHA-256s) of ``batch`` files at a time, read from the query files as needed."""
    files = (work / "queries.md5").stat().st_size // 16
    files = min(files, limit) if limit else files
    md5 = os.open(work / "queries.md5", os.O_RDONLY)
    sha = os.open(work / "queries.sha256", os.O_RDONLY)
    try:
        for first in range(0, files, batch):
            n = min(batch, files - first)
            yield os.pread(md5, n * 16, first * 16), os.pread(sha, n * 32, first * 32)
    finally:
        os.close(md5)
        os.close(sha)


def phase_generate(work: Path) -> dict:
    entries, lookups, _ = (int(v) for v in (work / "sizes").read_text().split())
    generate(work, entries, lookups)
    return {"input_mb": (work / "big.hashdeep").stat().st_size / 2**20}


def phase_import(work: Path) -> dict:
    from forensix.hashsets import build_index
    from forensix.hashsets.library import file_sha256

    start = time.perf_counter()
    file_sha256(work / "big.hashdeep")
    hashing = time.perf_counter() - start
    start = time.perf_counter()
    hs = build_index(work / "big.hashdeep", work / "index", name="bench")
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (work / "index").iterdir())
    return {"entries": hs.entries, "seconds": seconds, "rate": hs.entries / seconds, "sha256_s": hashing,
            "disk_mb": size / 2**20, "rss_mb": _rss_mb()}


def _batched(work: Path, contains) -> tuple[int, int, float]:
    """(files, files whose MD5 or SHA-256 is in the set, seconds), BATCH files per call."""
    files = hits = 0
    start = time.perf_counter()
    for md5, sha in _batches(work, BATCH):
        m = contains("md5", md5)
        s = contains("sha256", sha)
        hits += int(np.count_nonzero(m | s))
        files += len(m)
    return files, hits, time.perf_counter() - start


def _lookup_result(files: int, hits: int, seconds: float) -> dict:
    return {"files": files, "hits": hits, "seconds": seconds, "files_s": files / seconds,
            "digests_s": 2 * files / seconds}


def phase_index(work: Path) -> dict:
    from forensix.hashsets import HashSet

    start = time.perf_counter()
    hs = HashSet(work / "index")
    opened = time.perf_counter() - start
    return {"open_ms": opened * 1000, **_lookup_result(*_batched(work, hs.contains_many)), "rss_mb": _rss_mb()}


def phase_single(work: Path) -> dict:
    """``HashSet.lookup`` once per file, with hex digests, as the scan's hashmatch plugin calls it."""
    from forensix.hashsets import HashSet

    limit = int((work / "sizes").read_text().split()[2])
    hs = HashSet(work / "index")
    files = hits = 0
    start = time.perf_counter()
    for md5, sha in _batches(work, BATCH, limit):
        for i in range(len(md5) // 16):
            hits += bool(hs.lookup(md5=md5[i * 16:i * 16 + 16].hex(), sha256=sha[i * 32:i * 32 + 32].hex()))
            files += 1
    return {**_lookup_result(files, hits, time.perf_counter() - start), "rss_mb": _rss_mb()}


def _read_pairs(work: Path):
    with open(work / "big.hashdeep") as f:
        for line in f:
            if line[0] not in "%#":
                _, md5, sha, _ = line.split(",", 3)
                yield bytes.fromhex(md5), bytes.fromhex(sha)


def phase_pyset(work: Path) -> dict:
    start = time.perf_counter()
    md5s: set[bytes] = set()
    shas: set[bytes] = set()
    for m, s in _read_pairs(work):
        md5s.add(m)
        shas.add(s)
    built = time.perf_counter() - start

    def contains(algo: str, blob: bytes) -> np.ndarray:
        table, w = (md5s, 16) if algo == "md5" else (shas, 32)
        return np.fromiter((blob[i:i + w] in table for i in range(0, len(blob), w)), bool)

    return {"seconds_build": built, "rate_build": len(md5s) / built,
            **_lookup_result(*_batched(work, contains)), "rss_mb": _rss_mb()}


def phase_sqlite(work: Path) -> dict:
    path = work / "bench.sqlite"
    start = time.perf_counter()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("CREATE TABLE h (md5 BLOB, sha256 BLOB)")
    db.executemany("INSERT INTO h VALUES (?, ?)", _read_pairs(work))
    db.execute("CREATE INDEX h_md5 ON h(md5)")
    db.execute("CREATE INDEX h_sha256 ON h(sha256)")
    db.commit()
    built = time.perf_counter() - start
    entries = db.execute("SELECT count(*) FROM h").fetchone()[0]

    def contains(algo: str, blob: bytes) -> np.ndarray:
        w = 16 if algo == "md5" else 32
        queries = [blob[i:i + w] for i in range(0, len(blob), w)]
        db.execute("CREATE TEMP TABLE IF NOT EXISTS q (n INTEGER PRIMARY KEY, d BLOB)")
        db.execute("DELETE FROM q")
        db.executemany("INSERT INTO q VALUES (?, ?)", enumerate(queries))
        found = [n for (n,) in db.execute(f"SELECT DISTINCT q.n FROM q JOIN h ON h.{algo} = q.d")]
        hit = np.zeros(len(queries), bool)
        hit[found] = True
        return hit

    return {"seconds_build": built, "rate_build": entries / built, **_lookup_result(*_batched(work, contains)),
            "disk_mb": path.stat().st_size / 2**20, "rss_mb": _rss_mb()}


PHASES = {"generate": phase_generate, "import": phase_import, "index": phase_index, "single": phase_single,
          "pyset": phase_pyset, "sqlite": phase_sqlite}


def _run(phase: str, work: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--workdir", str(work)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _rates(r: dict) -> str:
    return (f"{r['digests_s']:>12,.0f} digests/s = {r['files_s']:>10,.0f} files/s "
            f"({r['seconds']:.2f} s, {r['files']:,} files, {r['hits']:,} hits)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=1_000_000, help="files looked up (two digests each)")
    parser.add_argument("--single", type=int, default=200_000, help="files looked up one call each")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--skip", action="append", default=[], choices=["pyset", "sqlite"])
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.workdir)))
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="hashset-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        (work / "sizes").write_text(f"{args.entries} {args.lookups} {args.single}")
        made = _run("generate", work)
        print(f"input: {args.entries:,} entries (MD5 + SHA-256, hashdeep), "
              f"{made['input_mb']:,.0f} MB, made in {time.perf_counter() - start:.1f} s; "
              f"{args.lookups:,} files looked up on MD5 and SHA-256 ({2 * args.lookups:,} digest lookups), 1% hits")
        imp = _run("import", work)
        print(f"index import : {imp['rate']:>12,.0f} entries/s  ({imp['seconds']:.1f} s with the source SHA-256, which alone takes "
              f"{imp['sha256_s']:.1f} s), {imp['disk_mb']:,.0f} MB on disk, peak RSS {imp['rss_mb']:,.0f} MB")
        idx = _run("index", work)
        print(f"index lookup : {_rates(idx)}, batches of {BATCH} files, open {idx['open_ms']:.1f} ms, "
              f"peak RSS {idx['rss_mb']:,.0f} MB")
        one = _run("single", work)
        print(f"index lookup : {_rates(one)}, one lookup() per file (hex), peak RSS {one['rss_mb']:,.0f} MB")
        for name in ("pyset", "sqlite"):
            if name in args.skip:
                continue
            r = _run(name, work)
            disk = f", {r['disk_mb']:,.0f} MB on disk" if "disk_mb" in r else ""
            print(f"{name:<7} build: {r['rate_build']:>12,.0f} entries/s  ({r['seconds_build']:.1f} s){disk}")
            print(f"{name:<7} lookup: {_rates(r)}, batches of {BATCH} files, peak RSS {r['rss_mb']:,.0f} MB")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
