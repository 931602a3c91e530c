"""PDQ perceptual hashes of pictures, and their near matches in the scan's hash sets.

An exact hash misses every copy of a known picture that was resized,
recompressed, converted, lightly edited, mirrored or rotated: the usual state
of pictures passed between phones and chat apps. PDQ (Meta's open perceptual
hash, what NCMEC and industry hash-sharing use) gives such copies hashes a few
bits apart. This plugin hashes every picture the scan reads (JPEG, PNG, GIF's
first frame, BMP, TIFF, WebP, HEIC/HEIF, AVIF) from the bytes the engine
streams to it, so no file is read twice, and looks the hash up in the PDQ
hashes of the known-bad and alert sets given with ``--hashset``.

* Export key ``pdq``: ``{"hash": 64 hex digits, "quality": 0-100}``. A hash of
  quality below 50 is kept and never matched (PDQ's advice: such pictures are
  too flat to say anything).
* A match is a ``hash_matches`` entry ``{set, kind, category, alert,
  media_id, match: "pdq", distance, orientation}``; ``orientation`` says how
  the copy is turned relative to the listed picture (``as-listed``,
  ``mirror-left-right``, ``rotate90cw``...). Matching tries the 8 dihedral
  hashes of the picture (one decode) unless ``--option pdq_dihedral=off``.
* ``--pdq-threshold`` (``--option pdq_threshold=N``): largest distance that
  matches, 31 by default as in ThreatExchange and HMA.
* A picture over ``MAX_BYTES``, damaged, or declaring more pixels than
  :data:`forensix.pixels.MAX_PIXELS` costs a warning and gets no hash.

Known-good sets are not searched: a perceptual likeness proves nothing
harmless. Nothing is kept between files; the sets are opened (memory-mapped)
by ``forensix_configure`` in each process that scans.
"""
from __future__ import annotations

from typing import Any

from forensix import pdq, pixels
from forensix.hashsets import HashSet, open_hashset
from forensix.hookspecs import hookimpl
from forensix.records import AnalyzerResult, Digests, FileEntry, Finding
from forensix.scanconfig import ScanConfig

NAME = "pdq"
VERSION = "1.0.0"
DESCRIPTION = ("PDQ perceptual hash of every picture (JPEG, PNG, GIF, BMP, TIFF, WebP, HEIC/HEIF, AVIF) and its "
               "near matches, rotations and mirrors included, in the PDQ hashes of known-bad hash sets.")
LIMITS = ("Finds resized, recompressed, converted, lightly edited (text, logo, brightness), mirrored and rotated "
          "copies. Misses crops of more than a few percent, large overlays, collages and pictures inside other "
          "files; pictures of PDQ quality below 50 are hashed but never matched. The main picture is hashed as "
          "stored (EXIF orientation not applied), never its EXIF thumbnail.")
MIN_SIZE = 26
"""The smallest picture file worth decoding (a BMP header)."""
MAX_BYTES = 64 << 20
"""Larger picture files are not buffered: a warning says they were not hashed."""
MAX_THRESHOLD = 64
_SWITCH = {"on": True, "yes": True, "true": True, "1": True, "off": False, "no": False, "false": False, "0": False}


class _Settings:
    """What ``forensix_configure`` read and opened; replaced by every configure."""

    def __init__(self, threshold: int = pdq.THRESHOLD, dihedral: bool = True,
                 sets: tuple[HashSet, ...] = ()) -> None:
        self.threshold = threshold
        self.dihedral = dihedral
        self.sets = sets

    def close(self) -> None:
        for hs in self.sets:
            hs.close()


_settings = _Settings()


def _threshold(value: Any) -> int:
    try:
        threshold = int(value)
    except (TypeError, ValueError):
        threshold = -1
    if not 0 <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"pdq_threshold must be a whole number of bits from 0 to {MAX_THRESHOLD}, not {value!r}")
    return threshold


def _switch(value: Any) -> bool:
    text = str(value).strip().lower()
    if text not in _SWITCH:
        raise ValueError(f"pdq_dihedral must be on or off, not {value!r}")
    return _SWITCH[text]


@hookimpl
def forensix_configure(config: ScanConfig) -> None:
    """Read the options and open the PDQ part of every known-bad or alert ``--hashset``.

    Works without a case store (``config.store`` is None in worker processes):
    hashmatch records the sets in the case; opening one here costs a few
    memory maps (a set file is imported once into the case by whichever
    plugin opens it first).
    """
    global _settings
    _settings.close()
    _settings = _Settings()
    threshold = _threshold(config.options.get("pdq_threshold", pdq.THRESHOLD))
    dihedral = _switch(config.options.get("pdq_dihedral", "on"))
    sets: list[HashSet] = []
    try:
        for spec in config.hashsets:
            hs = open_hashset(spec, config.case_dir)
            if hs.pdq is not None and hs.kind != "known-good":
                sets.append(hs)
            else:
                hs.close()
    except BaseException:
        for hs in sets:
            hs.close()
        raise
    _settings = _Settings(threshold, dihedral, tuple(sets))


class _Analyzer:
    """Buffers one picture as it streams (at most ``MAX_BYTES``), hashes and matches it in ``finish``."""

    key = None
    """Two record keys: ``pdq``, and ``hash_matches`` entries added after the exact ones."""

    def __init__(self, fmt: str, settings: _Settings) -> None:
        self.fmt = fmt
        self.settings = settings
        self.chunks: list[bytes] = []
        self.size = 0

    def feed(self, chunk: bytes, offset: int) -> None:
        self.size += len(chunk)
        if self.size <= MAX_BYTES:
            self.chunks.append(chunk)
        else:
            self.chunks = []

    def finish(self, digests: Digests) -> AnalyzerResult:
        if self.size > MAX_BYTES:
            return AnalyzerResult(warnings=(f"{self.fmt} picture of {self.size:,} bytes is larger than the "
                                            f"{MAX_BYTES:,}-byte limit: no perceptual hash",))
        if not digests.complete or digests.partial:  # the engine has said why already
            return AnalyzerResult()
        data, self.chunks = b"".join(self.chunks), []
        matching = bool(self.settings.sets)
        try:
            result = pdq.compute(pixels.decode(data, self.fmt), dihedral=matching and self.settings.dihedral)
        except pixels.PictureError as exc:
            return AnalyzerResult(warnings=(f"{self.fmt} picture not hashed: {exc}",))
        record: dict[str, Any] = {"pdq": {"hash": result.hex, "quality": result.quality}}
        if not matching or result.quality < pdq.MIN_QUALITY:
            return AnalyzerResult(data=record)
        matches = _near_matches(result, self.settings)
        if matches:
            record["hash_matches"] = matches
        findings = tuple(Finding(NAME, "pdq_alert" if m["alert"] else "pdq_known", str(digests.sha256), m)
                         for m in matches)
        return AnalyzerResult(data=record, findings=findings)


def _near_matches(result: pdq.PdqResult, settings: _Settings) -> list[dict[str, Any]]:
    """One entry per listed picture (set, category, media ID) within the threshold, nearest first."""
    queries = b"".join(result.dihedral) if result.dihedral else result.hash
    found = sorted((distance, query, index, pid) for index, hs in enumerate(settings.sets)
                   for query, pid, distance in hs.near(queries, settings.threshold))
    matches: dict[tuple[Any, ...], dict[str, Any]] = {}
    for distance, query, index, pid in found:
        match = settings.sets[index].match(pid)
        matches.setdefault((match["set"], match["category"], match["media_id"]), {
            **match, "match": "pdq", "distance": distance, "orientation": pdq.ORIENTATIONS[query]})
    return list(matches.values())


@hookimpl
def forensix_file_analyzer(entry: FileEntry, head: bytes) -> _Analyzer | None:
    fmt = pixels.sniff(head)
    return _Analyzer(fmt, _settings) if fmt is not None else None
