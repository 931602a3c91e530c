#!/usr/bin/env python3
"""CPU cost of each analyzer plugin on the scan benchmark's kinds of content.

The content comes from ``bench/benchimage.py``'s generators (the same text,
random bytes and JPEG-like pictures as the 2 GiB bench image, same size
distribution), held in memory, and each plugin is driven as the engine drives
it: ``forensix_file_analyzer(entry, head)``, ``feed`` per 1 MiB chunk,
``finish``. Reading and hashing are left out: the figure is the plugin's own
CPU time (``time.process_time``), as MB/s and microseconds per file.

usage: python bench/analyzers_bench.py [--text N] [--binary N] [--pictures N] [--plugins a,b]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import benchimage  # noqa: E402

from forensix.records import Digests, FileEntry  # noqa: E402
from forensix.scanconfig import ScanConfig  # noqa: E402

CHUNK = 1 << 20
PLUGINS = ("identifiers", "exif", "archives", "filetype")


def corpus(kind: str, count: int, rng: random.Random) -> list[bytes]:
    files = []
    for _ in range(count):
        if kind == "pictures":
            files.append(benchimage._jpeg_like(rng, benchimage._log_uniform(rng, 100 << 10, 2 << 20)))
            continue
        size = benchimage._log_uniform(rng, 1 << 10, 64 << 10)
        files.append(benchimage._text(rng, size) if kind == "text" else rng.randbytes(size))
    return files


def chunked(files: list[bytes]) -> list[tuple[int, list[bytes]]]:
    """Each file as the engine hands it over: its size and its 1 MiB chunks (the first is the head)."""
    return [(len(data), [data[o:o + CHUNK] for o in range(0, len(data), CHUNK)] or [b""]) for data in files]


def run(plugin, files: list[tuple[int, list[bytes]]]) -> float:
    """CPU seconds the plugin spends on ``files`` (the chunks are cut beforehand, as the engine reads)."""
    digests = Digests(None, None, None, 0)
    started = time.process_time()
    for i, (size, chunks) in enumerate(files):
        entry = FileEntry(evidence="bench", volume_offset=0, fs_type="ext4", path=f"/f{i}", inode=str(i),
                          deleted=False, size=size)
        analyzer = plugin.forensix_file_analyzer(entry=entry, head=chunks[0])
        if analyzer is None:
            continue
        offset = 0
        for chunk in chunks:
            analyzer.feed(chunk, offset)
            offset += len(chunk)
        analyzer.finish(digests)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=8_000)
    parser.add_argument("--binary", type=int, default=12_000)
    parser.add_argument("--pictures", type=int, default=500)
    parser.add_argument("--plugins", default=",".join(PLUGINS))
    args = parser.parse_args()
    rng = random.Random(benchimage.SEED)
    kinds = {kind: chunked(corpus(kind, count, rng)) for kind, count in
             (("text", args.text), ("binary", args.binary), ("pictures", args.pictures))}
    with tempfile.TemporaryDirectory() as case:
        config = ScanConfig(case_dir=Path(case), store=None)
        print(f"{'plugin':<12} {'content':<9} {'files':>6} {'MB':>7} {'CPU s':>7} {'MB/s':>8} {'us/file':>8}")
        for name in args.plugins.split(","):
            plugin = __import__(f"plugins.{name}", fromlist=["_"])
            if hasattr(plugin, "forensix_configure"):
                plugin.forensix_configure(config=config)
            for kind, files in kinds.items():
                megabytes = sum(size for size, _ in files) / 1e6
                seconds = run(plugin, files)
                print(f"{name:<12} {kind:<9} {len(files):>6} {megabytes:>7.1f} {seconds:>7.3f} "
                      f"{megabytes / max(seconds, 1e-9):>8.0f} {seconds / max(len(files), 1) * 1e6:>8.1f}")


if __name__ == "__main__":
    main()
