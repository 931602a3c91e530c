"""forensix: digital-forensics triage for units without a lab."""
__version__ = "0.1.0"
