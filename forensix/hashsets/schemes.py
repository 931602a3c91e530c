"""Categorisation schemes: what a VICS category number means and whether it alerts.

Project VIC US, VIC Canada and the UK's CAID number their categories
differently, so the raw category is stored with the set and mapped only when a
file matches; changing the scheme never needs a re-import of the data, only of
the manifest. Unknown categories alert: for a known-bad list, silence must be
an explicit decision, never a gap in a table. The labels are the commonly
published ones; a unit whose agreement says otherwise adds a scheme here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from forensix.hashsets.entries import HashSetError


@dataclass(frozen=True, slots=True)
class Scheme:
    name: str
    description: str
    labels: Mapping[str, str]
    quiet: frozenset[str]
    """Categories whose matches are recorded without an alert."""

    def alerts(self, category: str) -> bool:
        return category.strip().upper() not in self.quiet

    def label(self, category: str) -> str | None:
        return self.labels.get(category.strip().upper())


SCHEMES: dict[str, Scheme] = {s.name: s for s in (
    Scheme("vic-us", "Project VIC (US) / Griffeye default: 0 non-pertinent, 1-4 pertinent",
           {"0": "non-pertinent", "1": "child abuse material", "2": "child exploitive / age difficult",
            "3": "CGI / animation", "4": "comparison images"},
           frozenset({"0"})),
    Scheme("vic-ca", "Project VIC Canada: 0 non-pertinent, any other category pertinent",
           {"0": "non-pertinent"},
           frozenset({"0"})),
    Scheme("caid-uk", "UK CAID: A/B/C (1/2/3) indecent, 0 or NI not indecent",
           {"1": "category A", "A": "category A", "2": "category B", "B": "category B",
            "3": "category C", "C": "category C", "0": "not indecent", "NI": "not indecent"},
           frozenset({"0", "NI"})),
)}
DEFAULT_SCHEME = "vic-us"


def get_scheme(name: str) -> Scheme:
    try:
        return SCHEMES[name]
    except KeyError:
        raise HashSetError(f"unknown categorisation scheme {name!r} (known: {', '.join(SCHEMES)})") from None
