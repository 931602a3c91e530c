"""Opening seized evidence read-only: disk images of every supported container
format, or a folder of logical evidence."""
from forensix.evidence.sources import EvidenceError, EvidenceSource, not_a_disk_image, open_evidence

__all__ = ["EvidenceError", "EvidenceSource", "not_a_disk_image", "open_evidence"]
