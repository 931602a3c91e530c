"""The per-file pipeline on in-memory entries: one read pass, fault isolation, damaged reads."""
from __future__ import annotations

import hashlib
import types
from pathlib import Path

import pytest

from forensix.engine.pipeline import FilePipeline
from forensix.engine.setup import configure
from forensix.hookspecs import hookimpl
from forensix.pluginhost import PluginHost
from forensix.records import AnalyzerResult, FileEntry
from forensix.scanconfig import ScanConfig


def entry(path: str, chunks: list[bytes], fail_after: int | None = None, calls: list | None = None) -> FileEntry:
    def read_chunks():
        if calls is not None:
            calls.append(path)
        for i, chunk in enumerate(chunks):
            if fail_after is not None and i == fail_after:
                raise IOError("bad sector")
            yield chunk
    return FileEntry(evidence="mem", volume_offset=0, fs_type="test", path=path, inode="1",
                     deleted=False, size=sum(map(len, chunks)), read_chunks=read_chunks)


def plugin_module(name: str, analyzer_factory) -> types.ModuleType:
    module = types.ModuleType(name)
    module.NAME = name

    @hookimpl
    def forensix_file_analyzer(entry, head):
        return analyzer_factory(entry, head)

    module.forensix_file_analyzer = forensix_file_analyzer
    return module


class Recorder:
    key = "recorded"

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.chunks: list[tuple[int, bytes]] = []

    def feed(self, chunk: bytes, offset: int) -> None:
        self.chunks.append((offset, chunk))

    def finish(self, digests) -> AnalyzerResult:
        return AnalyzerResult(data={"offsets": [o for o, _ in self.chunks], "md5": digests.md5,
                                    "head": self.head.decode()})


class Exploding:
    key = "boom"

    def __init__(self, when: str) -> None:
        self.when = when

    def feed(self, chunk, offset):
        if self.when == "feed":
            raise ValueError("feed exploded")

    def finish(self, digests):
        if self.when == "finish":
            raise ValueError("finish exploded")
        return AnalyzerResult(data=1)


@pytest.fixture()
def scanner(tmp_path: Path):
    def make(*modules: types.ModuleType) -> FilePipeline:
        host = PluginHost()
        for module in modules:
            host.register(module, "test")
        configure(host, ScanConfig(case_dir=tmp_path / "case", store=None))
        return FilePipeline(host)
    return make


def test_one_read_pass_feeds_hashers_and_analyzers_the_same_chunks(scanner):
    calls: list[str] = []
    s = scanner(plugin_module("rec", lambda e, head: Recorder(head)))
    record, _ = s.analyze(entry("/a", [b"abc", b"defg", b"h"], calls=calls))
    assert calls == ["/a"]
    assert record.digests.md5 == hashlib.md5(b"abcdefgh").hexdigest()
    assert record.digests.sha256 == hashlib.sha256(b"abcdefgh").hexdigest()
    assert record.analysis["recorded"] == {"offsets": [0, 3, 7], "md5": record.digests.md5, "head": "abc"}


@pytest.mark.parametrize("when", ["analyzer", "feed", "finish"])
def test_a_plugin_that_raises_costs_a_warning_on_that_file_only(scanner, when):
    def factory(e, head):
        if when == "analyzer":
            raise RuntimeError("no analyzer")
        return Exploding(when)
    s = scanner(plugin_module("bad", factory), plugin_module("rec", lambda e, head: Recorder(head)))
    record, _ = s.analyze(entry("/a", [b"one", b"two"]))
    assert any("plugin bad failed" in w for w in record.warnings)
    assert "boom" not in record.analysis
    assert record.analysis["recorded"]["md5"] == hashlib.md5(b"onetwo").hexdigest()
    assert s.plugin_errors == 1


def test_a_read_failing_half_way_gives_no_digest_and_a_warning(scanner):
    s = scanner()
    record, _ = s.analyze(entry("/bad", [b"x" * 10, b"y" * 10], fail_after=1))
    assert record.digests.md5 is None and record.digests.bytes_read == 10
    assert any("read failed at byte 10" in w and "bad sector" in w for w in record.warnings)


def test_a_short_read_is_noted(scanner):
    s = scanner()
    short = FileEntry(evidence="mem", volume_offset=0, fs_type="test", path="/s", inode="2", deleted=False,
                      size=100, read_chunks=lambda: iter([b"12345"]))
    record, _ = s.analyze(short)
    assert record.digests.md5 == hashlib.md5(b"12345").hexdigest()
    assert any("only 5 of 100 bytes" in w for w in record.warnings)


def test_children_go_through_the_same_pipeline(scanner, tmp_path):
    class Unpacker:
        key = None

        def feed(self, chunk, offset):
            pass

        def finish(self, digests):
            child = FileEntry(evidence="mem", volume_offset=0, fs_type="zip", path="/a.zip/inner.txt",
                              inode="1", deleted=False, size=5, container="/a.zip", depth=1,
                              read_chunks=lambda: iter([b"inner"]))
            return AnalyzerResult(data={}, children=(child,))

    s = scanner(plugin_module("unpack", lambda e, head: Unpacker() if e.depth == 0 else None))
    rows = {r.entry.path: r.to_export() for r in s.process(entry("/a.zip", [b"PK.."]))}
    assert rows["/a.zip/inner.txt"]["md5"] == hashlib.md5(b"inner").hexdigest()
    assert rows["/a.zip/inner.txt"]["container"] == "/a.zip"
    assert list(rows) == ["/a.zip", "/a.zip/inner.txt"]


def test_a_file_with_nothing_to_read_has_no_digest_and_says_why(scanner):
    s = scanner(plugin_module("rec", lambda e, head: Recorder(head)))
    gone = FileEntry(evidence="mem", volume_offset=0, fs_type="test", path="/gone", inode="0", deleted=True,
                     size=0, warnings=("deleted name whose metadata is gone: no content can be recovered",))
    record, _ = s.analyze(gone)
    assert record.digests.md5 is None and record.digests.sha256 is None
    assert record.warnings == gone.warnings and "recorded" not in record.analysis


def test_a_short_read_keeps_its_digest_but_is_marked_partial(scanner):
    s = scanner()
    record, _ = s.analyze(FileEntry(evidence="mem", volume_offset=0, fs_type="test", path="/s", inode="2",
                                    deleted=False, size=100, read_chunks=lambda: iter([b"12345"])))
    assert record.digests.partial and record.digests.md5 == hashlib.md5(b"12345").hexdigest()


def test_forensix_configure_drops_a_plugin_that_fails_and_keeps_the_others(tmp_path):
    """A plugin sees the config once before any file; one that fails to configure is dropped
    (and reported), the others run."""
    seen: dict = {}
    good = types.ModuleType("phases")
    good.NAME = "phases"

    @hookimpl
    def forensix_configure(config):
        seen["options"] = dict(config.options)

    good.forensix_configure = forensix_configure
    bad = plugin_module("badconf", lambda e, head: Recorder(head))

    @hookimpl
    def failing_configure(config):
        raise OSError("hash set missing")

    bad.forensix_configure = failing_configure
    host = PluginHost()
    host.register(good, "test")
    host.register(bad, "test")
    failed = []
    configure(host, ScanConfig(case_dir=tmp_path, store=None), lambda name, exc: failed.append((name, str(exc))))
    assert seen == {"options": {}}
    assert host.pm.get_plugin("badconf") is None and failed == [("badconf", "hash set missing")]


def test_lists_under_one_key_add_up_in_plugin_order(scanner):
    """Two analyzers give ``hash_matches`` (exact, then near): neither replaces the other."""
    class Gives:
        def __init__(self, key, data):
            self.key, self.data = key, data

        def feed(self, chunk, offset):
            pass

        def finish(self, digests):
            return AnalyzerResult(data=self.data)

    s = scanner(plugin_module("exact", lambda e, head: Gives("hash_matches", [{"match": "exact"}])),
                plugin_module("near", lambda e, head: Gives(None, {"pdq": {"quality": 90},
                                                                   "hash_matches": [{"match": "pdq"}]})),
                plugin_module("other", lambda e, head: Gives("mime", "image/png")))
    record, _ = s.analyze(entry("/p", [b"picture"]))
    assert record.analysis["hash_matches"] == [{"match": "exact"}, {"match": "pdq"}]
    assert record.analysis["pdq"] == {"quality": 90} and record.analysis["mime"] == "image/png"
