"""Opening a report in headless Chromium, as a reader would, and checking what
it did: which elements exist after load, whether a payload ran, what it fetched.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
SENTINEL = "forensix report sentinel"
"""Hostile payloads set ``document.title`` to this: if the title changes, script ran."""


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (scripts/setup.sh installs it)")


def chromium(tmp: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    require_chromium()
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=timeout, check=True)


def dump_dom(report: Path, tmp: Path, timeout: int = 120) -> tuple[str, list[str]]:
    """The DOM after load with JavaScript on, and every URL the page asked for.
    A script that opens a dialog (``alert``) blocks headless Chromium: that
    shows as ``subprocess.TimeoutExpired``."""
    netlog = tmp / f"netlog-{report.stem}.json"
    out = chromium(tmp, "--virtual-time-budget=3000", f"--log-net-log={netlog}",
                   "--net-log-capture-mode=Everything", "--dump-dom", report.as_uri(), timeout=timeout)
    return out.stdout, requested_urls(netlog)


def requested_urls(netlog: Path) -> list[str]:
    """URLs the *page* asked for. Chromium's own background requests (update
    and time checks) carry the initiator ``not an origin`` and are left out."""
    text = netlog.read_text().rstrip()
    try:
        log = json.loads(text)
    except ValueError:  # chromium may end the log without its closing brackets
        log = json.loads(text.rstrip(",") + "]}")
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted({e["params"]["url"] for e in log.get("events", []) if e["type"] == start
                   and "url" in e.get("params", {}) and e["params"].get("initiator") != "not an origin"})


def print_pdf(report: Path, pdf: Path, tmp: Path) -> None:
    chromium(tmp, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri(), timeout=600)


def pdf_text(pdf: Path) -> tuple[list[str], str]:
    """The pages of a printed report (layout kept), and all its text with every
    space and line break removed: a name or a hash wrapped over two lines of a
    table cell is still found whole in it."""
    pages = pdf_pages(pdf)
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pages, "".join(raw.split())


def pdf_pages(pdf: Path) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


class Elements(HTMLParser):
    """Every element and attribute of a document, and its text, entities decoded."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_title:
            self.title += data


def unsafe_markup(dom: str) -> list[str]:
    """What a hostile name or string would have created had it not been escaped."""
    doc = Elements(dom)
    problems = [f"<{tag}> element" for tag, _ in doc.elements if tag in ("script", "iframe", "object", "embed", "base", "link", "meta-refresh")]
    for tag, attrs in doc.elements:
        for name, value in attrs.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=...> event handler")
            if name in ("src", "href", "action", "srcset", "poster", "data") and value and not value.startswith("data:"):
                problems.append(f"<{tag} {name}={value!r}> fetches or links")
    if doc.title.strip() == SENTINEL:
        problems.append(f"a payload ran: document.title is now {doc.title!r}")
    return problems
