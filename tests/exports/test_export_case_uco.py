"""CASE/UCO JSON-LD: it validates with case_validate (offline) and holds every record."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _case_validate() -> str:
    tool = shutil.which("case_validate", path=str(Path(sys.executable).parent)) or shutil.which("case_validate")
    if tool is None:
        pytest.fail("case_validate not found: install the test extra (pip install -e '.[test]')")
    return tool


@pytest.fixture(scope="module")
def exported(corpus_case: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from helpers import run_cli

    out = corpus_case / "exports" / "case.jsonld"
    out.parent.mkdir()
    run_cli("export", corpus_case, "--format", "case", "-o", out)
    return out, json.loads(out.read_text(encoding="utf-8"))


def _nodes(graph: dict, kind: str) -> list[dict]:
    return [n for n in graph["@graph"] if n.get("@type") == kind]


def test_case_validate_accepts_the_export(exported):
    path, _ = exported
    proc = subprocess.run([_case_validate(), str(path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Conforms: True" in proc.stdout


def test_case_validate_rejects_a_broken_graph(exported, tmp_path):
    """The check above can fail: a hash with no value is refused."""
    _, graph = exported
    broken = json.loads(json.dumps(graph))
    for node in broken["@graph"]:
        for facet in node.get("uco-core:hasFacet", ()):
            for digest in facet.get("uco-observable:hash", ()):
                digest.pop("uco-types:hashValue")
    path = tmp_path / "broken.jsonld"
    path.write_text(json.dumps(broken))
    assert subprocess.run([_case_validate(), str(path)], capture_output=True, timeout=600).returncode == 1


def _sha256(node: dict) -> str | None:
    for facet in node["uco-core:hasFacet"]:
        for digest in facet.get("uco-observable:hash", ()):
            if digest["uco-types:hashMethod"] == "SHA256":
                return digest["uco-types:hashValue"]["@value"]
    return None


def _path(node: dict) -> str:
    return next(f["uco-observable:filePath"] for f in node["uco-core:hasFacet"]
                if f["@type"] == "uco-observable:FileFacet")


def test_one_file_per_record_with_its_sha256(exported, corpus_records):
    _, graph = exported
    files = [n for n in _nodes(graph, "uco-observable:File") if n["@id"].startswith("kb:File-")]
    assert len(files) == len(corpus_records)
    contained = {}
    for rel in _nodes(graph, "uco-observable:ObservableRelationship"):
        if rel["uco-core:kindOfRelationship"] == "Contained_Within":
            contained[rel["uco-core:source"][0]["@id"]] = rel["uco-core:target"][0]["@id"]
    evidence = {n["@id"]: n["uco-core:name"] for n in _nodes(graph, "uco-observable:File")
                if n["@id"].startswith("kb:Evidence-")}
    exported_files = sorted((evidence[contained[n["@id"]]], _path(n), _sha256(n)) for n in files)
    assert exported_files == sorted((r["evidence"], r["path"], r["sha256"]) for r in corpus_records)


def test_actions_hash_set_matches_and_provenance(exported, corpus_records):
    _, graph = exported
    actions = _nodes(graph, "case-investigation:InvestigativeAction")
    names = [a["uco-core:name"] for a in actions]
    assert names.count("hash set loaded") == 2 and "scan started" in names
    by_id = {n["@id"]: n for n in graph["@graph"]}
    for action in actions:
        assert by_id[action["uco-action:performer"]["@id"]]["@type"] == "uco-identity:Person"
        tool = by_id[action["uco-action:instrument"]["@id"]]
        assert tool["uco-core:name"] == "forensix" and tool["uco-tool:version"]
    scan = next(a for a in actions if a["uco-core:name"] == "scan started")
    assert len(scan["uco-action:result"]) == len(corpus_records)
    assert {by_id[o["@id"]]["uco-core:name"] for o in scan["uco-action:object"]} == {"JS/1", "ext4_suspect.raw"}

    sets = {n["@id"]: n for n in _nodes(graph, "uco-observable:File") if n["@id"].startswith("kb:HashSet-")}
    assert {s["uco-core:name"] for s in sets.values()} == {"known_bad.vics.json", "nsrl_minimal.db"}
    matches = [r for r in _nodes(graph, "uco-observable:ObservableRelationship")
               if r["uco-core:kindOfRelationship"] == "Found_In_Hash_Set"]
    assert len(matches) == sum(len(r.get("hash_matches") or []) for r in corpus_records)
    for rel in matches:
        target = sets[rel["uco-core:target"][0]["@id"]]
        assert target["uco-core:name"] in rel["uco-core:description"]
        assert len(_sha256(target)) == 64 and _sha256(target) in rel["uco-core:description"]
    exhibits = {p["case-investigation:exhibitNumber"] for p in _nodes(graph, "case-investigation:ProvenanceRecord")}
    assert exhibits == {"JS/1", "ext4_suspect.raw"}


def test_two_exports_of_one_case_name_things_alike(corpus_case, exported, cli):
    """Identifiers derive from what they name, so a re-export can be compared with the first."""
    _, graph = exported
    again = json.loads(cli("export", corpus_case, "--format", "case").stdout)
    first = {n["@id"] for n in graph["@graph"] if n["@id"].startswith("kb:File-")}
    assert first == {n["@id"] for n in again["@graph"] if n["@id"].startswith("kb:File-")}
