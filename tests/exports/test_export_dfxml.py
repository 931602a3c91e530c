"""DFXML 1.2: parses, one fileobject per record with its digests, fiwalk's shape."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from forensix.exports.dfxml import NAMESPACE

NS = {"d": NAMESPACE}


@pytest.fixture(scope="module")
def dfxml(corpus_case: Path) -> ET.Element:
    from helpers import run_cli

    out = corpus_case / "case.dfxml"
    run_cli("export", corpus_case, "--format", "dfxml", "-o", out)
    return ET.parse(out).getroot()


def test_one_fileobject_per_record_with_every_digest(dfxml, corpus_records):
    objects = dfxml.findall("d:volume/d:fileobject", NS)
    assert len(objects) == len(corpus_records)
    digests = {(o.findtext("d:filename", namespaces=NS),
                o.find("d:hashdigest[@type='sha256']", NS).text) for o in objects}
    assert digests == {(r["path"].lstrip("/"), r["sha256"]) for r in corpus_records}
    by_name = {o.findtext("d:filename", namespaces=NS): o for o in objects}
    for record in corpus_records:
        obj = by_name[record["path"].lstrip("/")]
        assert obj.findtext("d:hashdigest[@type='md5']", namespaces=NS) == record["md5"]
        assert obj.findtext("d:alloc", namespaces=NS) == ("0" if record["deleted"] else "1")
        assert int(obj.findtext("d:filesize", namespaces=NS)) == record["size"]


def test_fiwalk_shape(dfxml):
    assert dfxml.tag == f"{{{NAMESPACE}}}dfxml" and dfxml.get("version") == "1.2.0"
    assert [c.tag.split("}")[1] for c in dfxml][:3] == ["metadata", "creator", "source"]
    assert dfxml.findtext("d:creator/d:program", namespaces=NS) == "forensix"
    libraries = {lib.get("name") for lib in dfxml.findall("d:creator/d:build_environment/d:library", NS)}
    assert {"sleuthkit", "libmagic"} <= libraries
    images = [i.text for i in dfxml.findall("d:source/d:image_filename", NS)]
    assert [Path(i).name for i in images] == ["fat32_suspect.raw", "ext4_suspect.raw"]
    volumes = dfxml.findall("d:volume", NS)
    assert [v.findtext("d:ftype_str", namespaces=NS) for v in volumes] == ["fat32", "ext4"]
    assert {o.findtext("d:partition", namespaces=NS) for o in volumes[1].findall("d:fileobject", NS)} == {"2"}
    order = ["filename", "partition", "id", "name_type", "filesize", "alloc", "inode", "mtime", "ctime", "atime",
             "crtime", "libmagic", "byte_runs", "hashdigest"]
    for obj in dfxml.iter(f"{{{NAMESPACE}}}fileobject"):
        tags = [c.tag.split("}")[1] for c in obj]
        assert tags == sorted(tags, key=order.index), "children in the schema's order"


def test_fat_times_have_no_zone_and_their_precision(dfxml):
    fat, ext4 = dfxml.findall("d:volume", NS)
    photo = fat.find("d:fileobject", NS)
    assert not photo.findtext("d:mtime", namespaces=NS).endswith("Z")
    assert photo.find("d:atime", NS).get("prec") == "86400"
    assert ext4.find("d:fileobject/d:mtime", NS).text.endswith("Z")


def test_byte_runs_written_when_the_record_has_them(tmp_path, cli):
    """Records read from disk images will carry ``byte_runs``; hostile names stay well-formed XML."""
    from forensix.case.store import CaseStore
    from forensix.case.storedrecord import stored_record
    from forensix.records import Digests, FileEntry, FileRecord

    store = CaseStore.open(tmp_path / "case", create=True)
    evidence = store.add_evidence("/img.raw", "X/1", "raw", ["/img.raw"], 4096)
    scan = store.start_scan(evidence, "{}")
    runs = [[0, 1536, 512], [512, 3072, 100]]
    for name, analysis in (("with-runs.bin", {"byte_runs": runs}), ("bad\x01name\x1b[2J.txt", {})):
        entry = FileEntry("X/1", 1024, "ext4", f"/{name}", "12", False, 612)
        record = FileRecord(entry, Digests("a" * 32, "b" * 40, "c" * 64, 612), analysis, (), ())
        store.add_rows(evidence, scan, [stored_record(record)])
    store.complete_scan(scan)
    store.close()
    out = tmp_path / "x.dfxml"
    cli("export", tmp_path / "case", "--format", "dfxml", "-o", out)
    root = ET.parse(out).getroot()
    objects = {o.findtext("d:filename", namespaces=NS): o for o in root.iter(f"{{{NAMESPACE}}}fileobject")}
    assert set(objects) == {"with-runs.bin", "bad\\x01name\\x1b[2J.txt"}
    written = [{k: int(v) for k, v in run.attrib.items()} for run in objects["with-runs.bin"].iter(f"{{{NAMESPACE}}}byte_run")]
    assert written == [{"file_offset": 0, "fs_offset": 512, "img_offset": 1536, "len": 512},
                       {"file_offset": 512, "fs_offset": 2048, "img_offset": 3072, "len": 100}]
    assert objects["bad\\x01name\\x1b[2J.txt"].find("d:byte_runs", NS) is None
    assert root.find("d:volume/d:partition_offset", NS).text == "1024"
