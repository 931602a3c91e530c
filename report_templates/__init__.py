"""The report's Jinja2 templates and CSS, installed as package data.

``report.html.j2`` is the whole document; ``report.css`` is inlined into it so
the report is one self-contained file that opens offline.
"""
