"""Broker and database addresses: they may carry a password, which must never be
printed, logged or written into a case folder. Only :func:`describe` (scheme,
host, port, database) leaves this module, and :func:`redact` scrubs any text
(a library's error message) before it is shown."""
from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

_SECRET_PARAMS = re.compile(r"(?i)\b(password|passwd|pwd|sslpassword)=[^&\s]*")


def is_sqlite(url: str) -> bool:
    """A repository given as a file (``repo.sqlite``, ``sqlite:///path``) rather than a server."""
    return url.startswith("sqlite:") or "://" not in url


def sqlite_path(url: str) -> Path:
    return Path(url[len("sqlite://"):] if url.startswith("sqlite://") else url.removeprefix("sqlite:")).expanduser()


def describe(url: str) -> str:
    """What may be shown and logged of an address: ``redis 10.0.0.5:6379 db 0``,
    ``postgresql db.lab:5432 database forensix``, or a SQLite file's path."""
    if is_sqlite(url):
        return f"sqlite {sqlite_path(url)}"
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "localhost") + (f":{port}" if port else "")
    name = parts.path.strip("/")
    scheme = parts.scheme.split("+")[0]
    if scheme in ("redis", "rediss"):
        tls = " (TLS)" if scheme == "rediss" else ""
        return f"redis {host} db {name or '0'}{tls}"
    return f"{scheme} {host} database {name or '(default)'}"


def redact(text: str, *urls: str) -> str:
    """``text`` with every given address, and any password in it, replaced: error messages
    of client libraries sometimes quote the address they were given."""
    for url in urls:
        if not url:
            continue
        secret = urllib.parse.urlsplit(url).password if not is_sqlite(url) else None
        text = text.replace(url, describe(url))
        if secret:
            text = text.replace(secret, "***").replace(urllib.parse.quote(secret, safe=""), "***")
    text = re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", r"\1:***@", text)
    return _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=***", text)
