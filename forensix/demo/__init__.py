"""Synthetic, reproducible training evidence for ``forensix demo`` and docs/training.

``build.build_demo`` writes the E01, the demo hash sets and the answer sheet;
``triage`` lists the commands that process them. Nothing here is downloaded
and nothing is real material.
"""
