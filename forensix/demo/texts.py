"""Generated text for the demo: chat logs that carry identifiers, and ordinary files.

Every address, e-mail domain and URL is from a range reserved for
documentation (RFC 5737 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
RFC 3849 2001:db8::/32, RFC 2606 example.* domains), so nothing in the
training material points at a real host or person. Ordinary files are built
from a word list and from bytes above 0x7F: they can never contain an
identifier by chance, so the answer sheet's list of identifiers is complete.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

PUBLIC_IPV4 = ("203.0.113.45", "198.51.100.23", "192.0.2.200", "203.0.113.9", "198.51.100.177", "192.0.2.61")
PUBLIC_IPV6 = ("2001:db8::7:1", "2001:db8:4::25")
PRIVATE_IPV4 = ("192.168.1.20", "10.0.0.5", "172.16.4.2", "192.168.0.104")
EMAILS = ("alex.demo@example.org", "courier77@example.net", "kim.r@example.com", "night.owl@example.org")
URLS = ("https://files.example.com/drop/8f3k2", "http://forum.example.net/t/1234",
        "https://share.example.org/s/Qx7pL", "https://example.com/meet?room=41")
NICKS = ("alex", "courier77", "kim", "nightowl")

WORDS = ("the", "meeting", "budget", "quarter", "report", "draft", "review", "plan", "summer", "team",
         "invoice", "garden", "project", "notes", "travel", "schedule", "customer", "update", "minutes",
         "holiday", "recipe", "train", "office", "printer", "week", "coffee", "agenda", "approved",
         "pending", "delivery", "archive", "photo", "family", "school", "football", "weather")


@dataclass(frozen=True, slots=True)
class Chat:
    """One chat log: its text and the identifiers written into it."""

    text: str
    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    emails: tuple[str, ...]
    urls: tuple[str, ...]


def chat_log(rng: random.Random, start: datetime, lines: int = 24) -> Chat:
    """A chat between two nicknames with a few addresses, e-mails and links in it."""
    a, b = rng.sample(NICKS, 2)
    ipv4 = tuple(rng.sample(PUBLIC_IPV4, 2) + rng.sample(PRIVATE_IPV4, 1))
    ipv6 = tuple(rng.sample(PUBLIC_IPV6, 1))
    emails = tuple(rng.sample(EMAILS, 2))
    urls = tuple(rng.sample(URLS, 2))
    specials = [
        f"my server is at {ipv4[0]} now",
        f"connect through {ipv4[1]} port 443, not the old one",
        f"router says {ipv4[2]} on the lan",
        f"the v6 address is {ipv6[0]} if v4 is blocked",
        f"mail me at {emails[0]}",
        f"or {emails[1]} (old box)",
        f"files are here {urls[0]}",
        f"see {urls[1]} for the rest",
    ]
    rng.shuffle(specials)
    slots = sorted(rng.sample(range(lines), len(specials)))
    when = start
    out = []
    for i in range(lines):
        when += timedelta(seconds=rng.randrange(20, 600))
        who = a if i % 2 == 0 else b
        text = specials[slots.index(i)] if i in slots else " ".join(rng.choices(WORDS, k=rng.randrange(3, 9)))
        out.append(f"[{when:%Y-%m-%d %H:%M:%S}] <{who}> {text}")
    return Chat("\n".join(out) + "\n", ipv4, ipv6, emails, urls)


def prose(rng: random.Random, words: int) -> str:
    lines = []
    while words > 0:
        n = min(words, rng.randrange(6, 14))
        lines.append(" ".join(rng.choices(WORDS, k=n)).capitalize())
        words -= n
    return "\n".join(lines) + "\n"


_HIGH = bytes(b | 0x80 for b in range(256))


def binary(rng: random.Random, size: int) -> bytes:
    """Random bytes, all above 0x7F: no ASCII, so no identifier can appear by chance."""
    return rng.randbytes(size).translate(_HIGH)


_FOLDERS = ("Documents/Projects", "Documents/Invoices", "Documents/School", "Documents/Recipes",
            "Work/Reports", "Work/Minutes", "Misc/Backup", "Misc/Notes")
_KINDS = (("report", "txt"), ("notes", "md"), ("invoice", "csv"), ("minutes", "txt"), ("data", "bin"),
          ("draft", "txt"), ("list", "csv"), ("cache", "dat"))


def ordinary_files(rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    """``count`` (path, content) pairs of everyday files in a handful of folders."""
    out = []
    for n in range(count):
        folder = f"{rng.choice(_FOLDERS)}/{2019 + n % 6}"
        stem, ext = rng.choice(_KINDS)
        path = f"{folder}/{stem}_{n:05d}.{ext}"
        if ext in ("bin", "dat"):
            content = binary(rng, rng.randrange(256, 6000))
        elif ext == "csv":
            content = "".join(f"{rng.choice(WORDS)};{rng.randrange(1, 999)};{rng.choice(WORDS)}\n"
                              for _ in range(rng.randrange(5, 60))).encode()
        else:
            content = prose(rng, rng.randrange(30, 600)).encode()
        out.append((path, content))
    return out
