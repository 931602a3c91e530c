#!/usr/bin/env python3
"""CPU cost of each analyzer plugin on the scan benchmark's kinds of content.

The content comes from ``bench/benchimage.py``'s generators (the same text,
random bytes and JPEG-like pictures as the 2 GiB bench image, same size
distribution), held in memory, and each plugin is driven as the engine drives
it: ``forensix_file_analyzer(entry, head)``, ``feed`` per 1 MiB chunk,
``finish``. Reading and hashing are left out: the figure is the plugin's own
CPU time (``time.process_time``), as MB/s and microseconds per file.

``--hostile`` measures instead the files built to hurt an analyzer
(``tests/fixtures/picture_fixtures.py``, ``tests/fixtures/archive_fixtures.py``):
each in a process of its own, wall time and peak RSS, archives expanded member by
member as the engine would.

usage: python bench/analyzers_bench.py [--text N] [--binary N] [--pictures N] [--plugins a,b] [--hostile]
"""
from __future__ import annotations

import argparse
import random
import subprocess
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


HOSTILE = {
    "crafted 16 MB TIFF": ("exif", "picture_fixtures", "crafted_tiff()"),
    "WebP claiming 16383x16383": ("exif", "picture_fixtures", "huge_canvas_webp()"),
    "nested zip bomb (100 GB)": ("archives", "archive_fixtures", "nested_bomb()"),
    "random bytes behind a gzip magic": ("archives", "archive_fixtures", "gzip_lookalike()"),
}
_CHILD = """
import sys, time, tempfile, importlib.util
from pathlib import Path
sys.path[:0] = [{root!r}, {root!r} + "/bench"]
spec = importlib.util.spec_from_file_location("fx", {fixtures!r})
fx = importlib.util.module_from_spec(spec); spec.loader.exec_module(fx)
from analyzers_bench import drive
from forensix.scanconfig import ScanConfig
plugin = __import__("plugins.{plugin}", fromlist=["_"])
data = fx.{build}
with tempfile.TemporaryDirectory() as case:
    if hasattr(plugin, "forensix_configure"):
        plugin.forensix_configure(config=ScanConfig(case_dir=Path(case), store=None))
    started = time.perf_counter()
    records, warnings = drive(plugin, data)
    wall = time.perf_counter() - started
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(f"{{len(data)}} {{wall:.3f}} {{peak // 1024}} {{records}} {{warnings[:1]}}")
"""


def drive(plugin, data: bytes, path: str = "/hostile", depth: int = 0) -> tuple[int, list[str]]:
    """Run ``plugin`` on ``data`` and, for archives, on every member with content, as the engine
    does; the number of records and the warnings."""
    entry = FileEntry(evidence="bench", volume_offset=0, fs_type="ext4", path=path, inode="1", deleted=False,
                      size=len(data), depth=depth)
    analyzer = plugin.forensix_file_analyzer(entry=entry, head=data[:CHUNK])
    if analyzer is None:
        return 1, []
    for offset in range(0, len(data), CHUNK):
        analyzer.feed(data[offset:offset + CHUNK], offset)
    result = analyzer.finish(Digests(None, None, None, len(data)))
    records, warnings = 1, list(result.warnings)
    for child in result.children:
        if child.read_chunks is None:
            records += 1
            continue
        content = b"".join(child.read_chunks())
        more, child_warnings = drive(plugin, content, child.path, child.depth)
        records += more
        warnings += child_warnings
    return records, warnings


def hostile() -> None:
    print(f"{'hostile file':<36} {'plugin':<9} {'bytes':>10} {'wall s':>7} {'peak MB':>8} {'records':>8}  first warning")
    for label, (plugin, module, build) in HOSTILE.items():
        code = _CHILD.format(root=str(ROOT), fixtures=str(ROOT / "tests" / "fixtures" / f"{module}.py"),
                             plugin=plugin, build=build)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        size, wall, peak, records, warning = out.strip().split(" ", 4)
        print(f"{label:<36} {plugin:<9} {size:>10} {wall:>7} {peak:>8} {records:>8}  {warning[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=8_000)
    parser.add_argument("--binary", type=int, default=12_000)
    parser.add_argument("--pictures", type=int, default=500)
    parser.add_argument("--plugins", default=",".join(PLUGINS))
    parser.add_argument("--hostile", action="store_true", help="measure the hostile files instead")
    args = parser.parse_args()
    if args.hostile:
        hostile()
        return
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
