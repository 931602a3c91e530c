"""Settings of one scan, handed to every plugin's ``forensix_configure``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forensix.budget import ExpansionBudget


@dataclass(slots=True)
class ScanConfig:
    case_dir: Path
    store: Any
    """The open :class:`forensix.case.store.CaseStore`."""
    hashsets: tuple[str, ...] = ()
    """``--hashset`` values: names of imported sets or paths to set files."""
    options: dict[str, Any] = field(default_factory=dict)
    """Free-form plugin options (``--option key=value``)."""
    expansion: ExpansionBudget = field(default_factory=ExpansionBudget)
    """Archive expansion allowed per evidence item, shared by every nesting level."""
