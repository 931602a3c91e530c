"""Whether each evidence item's scan finished, in figures a report and ``verify``
can put in words: a scan stopped by Ctrl-C, a crash or a kill (its row still says
``running``) must never read as a finished one."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from forensix.case.schema import SCAN_COMPLETE
from forensix.case.store import CaseStore

COMPLETE = "complete"
INCOMPLETE = "incomplete"
NOT_SCANNED = "not scanned"


@dataclass(frozen=True, slots=True)
class ExhibitState:
    evidence_id: int
    exhibit: str
    scan_id: int | None
    """The item's current scan: its last complete one, else the one under way or stopped."""
    state: str
    files_done: int
    """Files of the file systems recorded (archive members are not counted)."""
    files_total: int
    """Recorded plus listed and still waiting; for an unfinished listing, those listed so far."""
    listing_finished: bool

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def words(self) -> str:
        """The state in one line, as ``verify`` prints it and the report's banner words it."""
        if self.state == COMPLETE:
            return f"{self.exhibit}: scan complete"
        if self.state == NOT_SCANNED:
            return f"{self.exhibit}: NOT SCANNED: nothing on it is in this case"
        total = f"{self.files_total:,}" if self.listing_finished else f"at least {self.files_total:,}"
        return (f"INCOMPLETE: the scan of {self.exhibit} did not finish; the case holds {self.files_done:,} of"
                f" {total} files")


def exhibit_states(store: CaseStore) -> list[ExhibitState]:
    """Every evidence item of the case, in the order they were added."""
    out = []
    for ev in store.evidence():
        label = ev["exhibit"] or ev["label"]
        scan_id = ev["current_scan_id"]
        scan = next((s for s in store.scans(ev["id"]) if s["id"] == scan_id), None)
        if scan is None:
            out.append(ExhibitState(ev["id"], label, None, NOT_SCANNED, 0, 0, False))
            continue
        done = store.recorded(scan_id)[0]
        if scan["status"] == SCAN_COMPLETE:
            out.append(ExhibitState(ev["id"], label, scan_id, COMPLETE, done, done, True))
        else:
            out.append(ExhibitState(ev["id"], label, scan_id, INCOMPLETE, done, done + store.unrecorded(scan_id),
                                    bool(scan["walked"])))
    return out


def nothing_scanned(states: list[ExhibitState]) -> bool:
    """No item's scan completed and none recorded a file: a report would be zeros."""
    return not any(s.state == COMPLETE or s.files_done for s in states)
