"""The shared PDQ corpus, scored by its own tool (``../shared/tools/pdq_check.py``): re-encoded,
resized, edited, mirrored and rotated copies of listed pictures found, other photos left alone."""
from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import SHARED, export_records, run_cli, shared_corpus



@pytest.fixture(scope="module")
def pdq_corpus():
    corpus = shared_corpus(SHARED / "corpus-pdq", "PDQ corpus")
    tool = shared_corpus(SHARED / "tools", "corpus tools", needs="pdq_check.py") / "pdq_check.py"
    spec = importlib.util.spec_from_file_location("pdq_check", tool)
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    return corpus, checker


def test_pdq_corpus_score(pdq_corpus, tmp_path):
    corpus, checker = pdq_corpus
    truth = json.loads((corpus / "truth.json").read_text())
    records = []
    for image in truth["images"].values():
        case = tmp_path / image["path"].replace("/", "_")
        run_cli("scan", corpus / image["path"], "--case", case, "--no-progress",
                "--hashset", corpus / "hashsets" / "known.vics.json")
        records += export_records(case)
    totals, report = checker.score(truth, records)
    (pdq_found, pdq_all), (turned_found, turned_all) = totals["pdq"], totals["dihedral"]
    assert pdq_found >= 0.97 * pdq_all and pdq_all >= 400, report["problems"]
    assert turned_found >= 0.95 * turned_all and turned_all >= 100, report["problems"]
    assert totals["false_pos"][0] == 0 and totals["exact"][0] == totals["exact"][1] > 0, report["problems"]
    assert not report["matched_to_wrong_media_id"] and report["tool_pdq_vs_truth"]["max_distance"] <= 10
