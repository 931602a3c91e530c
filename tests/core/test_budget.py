"""The archive expansion budget: per evidence item, bytes and members, nothing taken on refusal."""
from __future__ import annotations

from forensix.budget import ExpansionBudget
from forensix.scanconfig import ScanConfig


def test_take_until_spent_then_refuse_without_taking():
    budget = ExpansionBudget(max_bytes=100, max_members=3)
    assert budget.take("JS/1", nbytes=60, members=1)
    assert not budget.take("JS/1", nbytes=50)  # would pass the byte limit: refused, nothing taken
    assert budget.take("JS/1", nbytes=40, members=2)
    assert not budget.take("JS/1", members=1)
    assert not budget.take("JS/1", nbytes=1)


def test_each_evidence_item_has_its_own_budget():
    budget = ExpansionBudget(max_bytes=10, max_members=1)
    assert budget.take("JS/1", nbytes=10, members=1)
    assert budget.take("JS/2", nbytes=10, members=1)


def test_scan_config_carries_a_default_budget():
    config = ScanConfig(case_dir=None, store=None)
    assert isinstance(config.expansion, ExpansionBudget)
    assert config.expansion is not ScanConfig(case_dir=None, store=None).expansion
