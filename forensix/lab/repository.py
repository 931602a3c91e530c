"""The central repository: what every case of a lab has seen, to ask "have we seen this before?".

One row per exhibit and value: a file's SHA-256, a picture's PDQ hash, a
camera serial, an e-mail address or a public IP address, with the case
number, exhibit, the first path it was found at, how many files held it and
when the exhibit was scanned. Never content, never a thumbnail: a digest or an
identifier names what was found, it does not show it.

On PostgreSQL (``postgresql://``), for a lab: who may read and who may add is
the database's business, by role (``forensix repo init --grant-read ROLE
--grant-write ROLE``); a role that may only read still learns what other cases
saw. On a SQLite file, for one machine. The address may carry a password: only
:func:`forensix.lab.urls.describe` of it is ever shown.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable

from forensix.case.store import utc_now
from forensix.lab.urls import describe, is_sqlite, redact, sqlite_path

SCHEMA_VERSION = "1"
TABLES = ("forensix_meta", "forensix_cases", "forensix_sightings")
CHUNK = 500
"""Values per lookup query: well under every database's limit on parameters."""


def _schema(serial: str, ref: str) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS forensix_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS forensix_cases(id {serial}, case_number TEXT UNIQUE NOT NULL, agency TEXT,"
        " added_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS forensix_sightings(case_id {ref} NOT NULL REFERENCES forensix_cases(id)"
        " ON DELETE CASCADE, exhibit TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL, path TEXT NOT NULL,"
        " copies INTEGER NOT NULL, scanned_at TEXT)",
        "CREATE INDEX IF NOT EXISTS forensix_sightings_value ON forensix_sightings(kind, value)",
        "CREATE INDEX IF NOT EXISTS forensix_sightings_case ON forensix_sightings(case_id, exhibit)",
    ]


class RepositoryError(Exception):
    """The repository cannot be reached, is not one, or refused; the text names it by host and
    database only."""


class ReadOnly(RepositoryError):
    """This login may read the repository but not add to it."""


@dataclass(frozen=True, slots=True)
class Sighting:
    """One value as an exhibit holds it: the first path it was found at and how many files hold it."""

    exhibit: str
    kind: str
    value: str
    path: str
    copies: int
    scanned_at: str | None


@dataclass(frozen=True, slots=True)
class Seen:
    """A value seen in another case."""

    case_number: str
    exhibit: str
    path: str
    copies: int
    scanned_at: str | None


class Repository:
    def __init__(self, url: str, db: Any, postgres: bool) -> None:
        self.url = url
        self.where = describe(url)
        self.db = db
        self.postgres = postgres

    @classmethod
    def connect(cls, url: str, create: bool = False) -> "Repository":
        """Connect; unless ``create``, the repository must exist (``forensix repo init``)."""
        postgres = not is_sqlite(url)
        try:
            if postgres:
                import psycopg

                db = psycopg.connect(url, connect_timeout=10)
            else:
                path = sqlite_path(url)
                if not create and not path.is_file():
                    raise RepositoryError(f"{describe(url)}: no repository there (forensix repo init makes one)")
                db = sqlite3.connect(path, timeout=30)
                db.execute("PRAGMA foreign_keys=ON")
                if create:
                    db.execute("PRAGMA journal_mode=WAL")
        except RepositoryError:
            raise
        except Exception as exc:
            raise RepositoryError(f"the repository ({describe(url)}) cannot be reached: "
                                  f"{_words(exc, url)}") from None
        repo = cls(url, db, postgres)
        if not create:
            repo._check()
        return repo

    def close(self) -> None:
        try:
            self.db.close()
        except Exception:
            pass

    def init(self, grant_read: Iterable[str] = (), grant_write: Iterable[str] = ()) -> None:
        """Create the tables (again: nothing existing is touched) and grant roles their access."""
        grant_read, grant_write = list(grant_read), list(grant_write)
        if (grant_read or grant_write) and not self.postgres:
            raise RepositoryError("roles are PostgreSQL's: a SQLite repository is as open as its file")
        statements = _schema("BIGSERIAL PRIMARY KEY", "BIGINT") if self.postgres else _schema(
            "INTEGER PRIMARY KEY", "INTEGER")
        with self._transaction():
            for statement in statements:
                self._execute(statement)
            if self._one("SELECT value FROM forensix_meta WHERE key='schema_version'") is None:
                self._execute("INSERT INTO forensix_meta VALUES('schema_version', ?)", SCHEMA_VERSION)
                self._execute("INSERT INTO forensix_meta VALUES('created_at', ?)", utc_now())
            if self.postgres:
                self._grant(grant_read, grant_write)

    def _grant(self, readers: list[str], writers: list[str]) -> None:
        from psycopg import sql

        tables = sql.SQL(", ").join(sql.Identifier(t) for t in TABLES)
        for role in readers:
            self.db.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(tables, sql.Identifier(role)))
        for role in writers:
            self.db.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(
                tables, sql.Identifier(role)))
            self.db.execute(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE forensix_cases_id_seq TO {}").format(
                sql.Identifier(role)))

    def add(self, case_number: str, agency: str | None, exhibits: Iterable[str], sightings: Iterable[Sighting]) -> None:
        """Put a case's exhibits in the repository, replacing what an earlier add put there for them."""
        with self._transaction():
            found = self._one("SELECT id FROM forensix_cases WHERE case_number=?", case_number)
            if found is None:
                case_id = self._one("INSERT INTO forensix_cases(case_number, agency, added_at) VALUES(?,?,?)"
                                    " RETURNING id", case_number, agency, utc_now())[0]
            else:
                case_id = found[0]
                self._execute("UPDATE forensix_cases SET agency=? WHERE id=?", agency, case_id)
            for exhibit in exhibits:
                self._execute("DELETE FROM forensix_sightings WHERE case_id=? AND exhibit=?", case_id, exhibit)
            insert = self._sql("INSERT INTO forensix_sightings(case_id, exhibit, kind, value, path, copies,"
                               " scanned_at) VALUES(?,?,?,?,?,?,?)")
            cursor = self.db.cursor()
            pending = iter(sightings)
            while batch := [(case_id, s.exhibit, s.kind, s.value, s.path, s.copies, s.scanned_at)
                            for s in islice(pending, 5000)]:
                cursor.executemany(insert, batch)

    def seen_elsewhere(self, case_number: str, values: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Seen]]:
        """Every value of ``values`` that another case (another case number) holds, with where."""
        by_kind: dict[str, list[str]] = {}
        for kind, value in values:
            by_kind.setdefault(kind, []).append(value)
        out: dict[tuple[str, str], list[Seen]] = {}
        try:
            for kind, wanted in by_kind.items():
                for start in range(0, len(wanted), CHUNK):
                    chunk = wanted[start:start + CHUNK]
                    query = self._sql(
                        "SELECT s.value, c.case_number, s.exhibit, s.path, s.copies, s.scanned_at"
                        " FROM forensix_sightings s JOIN forensix_cases c ON c.id = s.case_id"
                        f" WHERE s.kind = ? AND c.case_number <> ? AND s.value IN ({','.join('?' * len(chunk))})"
                        " ORDER BY c.case_number, s.exhibit")
                    for value, number, exhibit, path, copies, scanned_at in self.db.execute(
                            query, (kind, case_number, *chunk)).fetchall():
                        out.setdefault((kind, value), []).append(Seen(number, exhibit, path, copies, scanned_at))
        except Exception as exc:
            self._rollback()
            raise RepositoryError(f"the repository ({self.where}) could not be searched: {_words(exc, self.url)}") \
                from None
        self._rollback()  # end the read transaction: nothing is held open between scans
        return out

    # -- plumbing ----------------------------------------------------------------------
    def _check(self) -> None:
        try:
            row = self._one("SELECT value FROM forensix_meta WHERE key='schema_version'")
        except RepositoryError:
            row = None
        finally:
            self._rollback()
        if row is None:
            raise RepositoryError(f"{self.where} is not a forensix repository (forensix repo init makes one), "
                                  "or this login may not read it")
        if row[0] != SCHEMA_VERSION:
            raise RepositoryError(f"{self.where} is a repository of another forensix (schema {row[0]})")

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.postgres else text

    def _execute(self, text: str, *params: Any) -> Any:
        return self.db.execute(self._sql(text), params)

    def _one(self, text: str, *params: Any) -> Any:
        try:
            return self._execute(text, *params).fetchone()
        except Exception as exc:
            if _is_missing_table(exc):
                return None
            raise

    def _rollback(self) -> None:
        try:
            self.db.rollback()
        except Exception:
            pass

    def _transaction(self) -> "_Transaction":
        return _Transaction(self)


class _Transaction:
    """Commit, or roll back and say what went wrong in plain words (a role that may only read: :class:`ReadOnly`)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        repo = self.repo
        if exc is None:
            try:
                repo.db.commit()
                return False
            except Exception as failure:
                exc = failure
        repo._rollback()
        if not isinstance(exc, Exception) or isinstance(exc, RepositoryError):
            return False
        words = _words(exc, repo.url)
        if _is_permission(exc):
            raise ReadOnly(f"the repository ({repo.where}) refused to be written to by this login: {words}") from None
        raise RepositoryError(f"the repository ({repo.where}) failed: {words}") from None


def _is_missing_table(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "no such table" in text or "does not exist" in text and "relation" in text


def _is_permission(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "permission denied" in text or "readonly database" in text or "read-only" in text


def _words(exc: BaseException, url: str) -> str:
    """A library's error as one line, with the address and any password taken out."""
    text = " ".join(str(exc).split()) or "the database gave no reason"
    return redact(text, url)
