"""The pieces of a distributed scan that need no server: what crosses machines, what is
taken back into a case, and what of an address may be shown."""
from __future__ import annotations

import json
import os
import warnings

import pytest

pytest.importorskip("celery")

from forensix.case.storedrecord import stored_record  # noqa: E402
from forensix.engine.units import EvidenceRef, FileRef, VolumeRef, WorkUnit  # noqa: E402
from forensix.engine.worker import unread_record  # noqa: E402
from forensix.lab.executor import check_results  # noqa: E402
from forensix.lab.tasks import map_path, parse_path_map  # noqa: E402
from forensix.lab.urls import describe, redact  # noqa: E402
from forensix.lab.wire import decode, encode, record_from_data, record_to_data, unit_from_data, unit_to_data  # noqa: E402

UNIT = WorkUnit(7, EvidenceRef(3, "/cases/laptop.E01", "ewf", "JS/1"),
                VolumeRef(1048576, "ntfs", (("partition", 2, 1048576, 8 << 20), ("bitlocker", "password")),
                          label="partition 2 / bitlocker / ntfs"),
                (FileRef("/a.txt", "64-128-2", False, 5, mtime="2026-01-01T00:00:00Z", byte_runs=((0, 4096, 5),)),
                 FileRef("/b\udcff.txt", "65-128-2", True, 0, path_hex="2f62ff2e747874")), (101, 102))


def wire(unit: WorkUnit, index: int, why: str = "test") -> list:
    """A results entry as a worker sends it, through JSON and back."""
    row = stored_record(unread_record(unit, unit.files[index], why), unit.volume)
    return json.loads(encode([index, unit.seqs[index], [record_to_data(row)]]))


def test_a_unit_and_its_records_cross_as_json_unchanged():
    assert unit_from_data(json.loads(json.dumps(unit_to_data(UNIT)))) == UNIT
    row = stored_record(unread_record(UNIT, UNIT.files[1], "why"), UNIT.volume)
    assert record_from_data(decode(encode(["r", record_to_data(row)]))[1]) == row
    mapped = unit_from_data(unit_to_data(UNIT), lambda p: p.replace("/cases", "/mnt/cases"))
    assert mapped.evidence.path == "/mnt/cases/laptop.E01" and mapped.files == UNIT.files


def test_only_results_that_answer_the_unit_are_taken():
    good, here = wire(UNIT, 0), [1048576, UNIT.volume.key]
    accepted, dropped = check_results(UNIT, set(), 3, here, [good, wire(UNIT, 1)])
    assert [i for i, _ in accepted] == [0, 1] and not dropped
    assert check_results(UNIT, set(), 4, here, [good])[0] == []  # another evidence item
    assert check_results(UNIT, set(), 3, [0, UNIT.volume.key], [good])[0] == []  # another volume
    assert check_results(UNIT, set(), 3, [1048576, ""], [good])[0] == []  # the live volume of a shadow copy
    assert check_results(UNIT, {0}, 3, here, [good])[0] == []  # recorded already
    assert [i for i, _ in check_results(UNIT, set(), 3, here, [good, good])[0]] == [0]  # twice in one message
    assert check_results(UNIT, set(), 3, here, [[0, 999, good[2]]])[0] == []  # another queue entry
    assert check_results(UNIT, set(), 3, here, [[1, 102, good[2]]])[0] == []  # a record of another file
    assert check_results(UNIT, set(), 3, here, [[5, 102, good[2]], "junk", [0]])[0] == []
    other = WorkUnit(8, UNIT.evidence, UNIT.volume, (FileRef("/c", "9", False, 1),), (101,))
    assert check_results(UNIT, set(), 3, here, [wire(other, 0)])[0] == []
    plain = WorkUnit(7, UNIT.evidence, VolumeRef(1048576, "ntfs"), UNIT.files, UNIT.seqs)
    assert check_results(UNIT, set(), 3, here, [wire(plain, 0)])[0] == []  # a record of the volume under it


def test_an_address_is_shown_by_host_and_database_only():
    url = "redis://:pa55word@10.0.0.5:6379/2"
    assert describe(url) == "redis 10.0.0.5:6379 db 2"
    assert describe("postgresql://examiner:pw@db.lab:5432/forensix?sslmode=verify-full") == \
        "postgresql db.lab:5432 database forensix"
    assert describe("/srv/repo.sqlite") == "sqlite /srv/repo.sqlite"
    said = redact(f"Error connecting to {url}: bad password pa55word", url)
    assert "pa55word" not in said and "redis 10.0.0.5:6379 db 2" in said
    assert "hunter2" not in redact("dsn host=x password=hunter2 user=y")
    assert "s3cr%2Ft" not in redact("postgresql://u:s3cr%2Ft@h/db failed")


def test_a_path_map_maps_whole_folders_longest_first():
    pairs = parse_path_map(("/evidence=/mnt/ev", "/evidence/big=/mnt/big"))
    assert map_path(pairs, "/evidence/big/disk.E01") == "/mnt/big/disk.E01"
    assert map_path(pairs, "/evidence/x.raw") == "/mnt/ev/x.raw"
    assert map_path(pairs, "/evidence-other/x.raw") == "/evidence-other/x.raw"
    with pytest.raises(ValueError):
        parse_path_map(("relative=/mnt",))


def test_the_scan_and_the_worker_refuse_a_broker_that_is_not_redis_in_the_same_words(tmp_path):
    from helpers import run_cli

    url = "amqp://guest:s3cret@broker.lab:5672//"
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "a.txt").write_text("a")
    said = [run_cli(*command, expect=2).output
            for command in (("scan", evidence, "--case", tmp_path / "case", "--broker", url), ("worker", "--broker", url))]
    expected = ("--broker amqp broker.lab:5672 database (default): a Redis address is expected "
                "(redis://HOST:PORT/DB, or rediss:// with TLS)")
    for output in said:
        assert expected in " ".join(output.split()) and "s3cret" not in output


def test_a_worker_with_superuser_privileges_is_told_the_real_risk_in_plain_words(capsys):
    from celery.exceptions import SecurityWarning
    from celery.platforms import ASSUMING_ROOT, ROOT_DISCOURAGED, check_privileges

    from forensix.cli.worker import say_privileges_plainly

    passed_on = []
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *rest, **kw: passed_on.append(str(message))
        say_privileges_plainly()
        warnings.warn(SecurityWarning(ROOT_DISCOURAGED.format(uid=0, euid=0, gid=0, egid=0)))
        warnings.warn(SecurityWarning(ASSUMING_ROOT))  # any other warning is shown as it was
        if os.geteuid() == 0:  # Celery's own check, as forensix worker runs it: JSON only, so a warning, no refusal
            check_privileges({"json"})
    said = capsys.readouterr().err
    assert said.count("warning: this worker runs") == (2 if os.geteuid() == 0 else 1)
    assert "never pickle" in said and "hostile input" in said and "--uid" not in said
    assert passed_on == [ASSUMING_ROOT]
