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
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable, Iterator

from forensix.case.store import utc_now
from forensix.lab.urls import describe, is_sqlite, redact, sqlite_path

SCHEMA_VERSION = "2"
"""1: cases told apart by case number alone (two agencies' "2026-001" merged); 2: by the case's
identity, with number and agency beside it (:meth:`Repository.upgrade` brings a 1 up to it)."""
TABLES = ("forensix_meta", "forensix_cases", "forensix_sightings")
CHUNK = 500
"""Values per lookup query: well under every database's limit on parameters."""
_CASES_COLUMNS = ("case_uid TEXT UNIQUE, case_number TEXT NOT NULL, agency TEXT, added_at TEXT NOT NULL")
"""``case_uid`` is NULL only on a case an earlier forensix added, until that case is added again."""


def _schema(serial: str, ref: str) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS forensix_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS forensix_cases(id {serial}, {_CASES_COLUMNS})",
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
class Case:
    """A case as the repository knows it: by its identity (:data:`forensix.case.store.CASE_ID`);
    number and agency are what an examiner reads, and two cases may share a number."""

    uid: str
    number: str
    agency: str | None


@dataclass(frozen=True, slots=True)
class Seen:
    """A value seen in another case."""

    case_number: str
    agency: str | None
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

    def init(self, grant_read: Iterable[str] = (), grant_write: Iterable[str] = ()) -> bool:
        """Create the tables (again: nothing existing is touched, but a repository of an earlier
        forensix is brought up to date in place) and grant roles their access; returns whether it
        was brought up to date."""
        grant_read, grant_write = list(grant_read), list(grant_write)
        if (grant_read or grant_write) and not self.postgres:
            raise RepositoryError("roles are PostgreSQL's: a SQLite repository is as open as its file")
        upgraded = self._version() == "1"
        if upgraded:
            self._upgrade()
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
        return upgraded

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

    def _upgrade(self) -> None:
        """Schema 1 to 2, in place, in one transaction: the cases an earlier forensix added keep
        their rows, without an identity until they are added again (:meth:`_own_row`)."""
        if self.postgres:
            with self._transaction():
                self._execute("ALTER TABLE forensix_cases ADD COLUMN case_uid TEXT UNIQUE")
                self._execute("ALTER TABLE forensix_cases DROP CONSTRAINT IF EXISTS forensix_cases_case_number_key")
                self._upgraded()
            return
        # SQLite drops no UNIQUE: the table is made again, with foreign keys off while the old one
        # goes (else dropping it would delete every sighting with it)
        self.db.commit()
        self.db.execute("PRAGMA foreign_keys=OFF")
        try:
            with self._transaction():
                self.db.execute("BEGIN")
                self._execute(f"CREATE TABLE forensix_cases_2(id INTEGER PRIMARY KEY, {_CASES_COLUMNS})")
                self._execute("INSERT INTO forensix_cases_2(id, case_number, agency, added_at)"
                              " SELECT id, case_number, agency, added_at FROM forensix_cases")
                self._execute("DROP TABLE forensix_cases")
                self._execute("ALTER TABLE forensix_cases_2 RENAME TO forensix_cases")
                self._upgraded()
        finally:
            self.db.execute("PRAGMA foreign_keys=ON")

    def _upgraded(self) -> None:
        if not self._execute("UPDATE forensix_meta SET value=? WHERE key='schema_version' AND value='1'",
                             SCHEMA_VERSION).rowcount:  # rolled back: another login upgraded it meanwhile
            raise RepositoryError(f"{self.where} was brought up to date by another login meanwhile: run again")
        self._execute("INSERT INTO forensix_meta VALUES('upgraded_at', ?)", utc_now())

    def add(self, case: Case, exhibits: Iterable[str], sightings: Iterable[Sighting]) -> bool:
        """Put a case's exhibits in the repository, replacing what an earlier add of the same case
        (by its identity: a copy of its folder is the same case) put there for them; another case
        sharing its number is another row, never touched. Returns whether the case took over the
        row an earlier forensix made for its number and agency."""
        with self._transaction():
            found = self._own_row(case)
            # the condition again: a case taking the same earlier row meanwhile leaves this one a row of its own
            if found is not None and self._execute(
                    "UPDATE forensix_cases SET case_uid=?, case_number=?, agency=? WHERE id=?"
                    " AND (case_uid IS NULL OR case_uid=?)",
                    case.uid, case.number, case.agency, found[0], case.uid).rowcount:
                case_id, took_over = found[0], found[1] is None
            else:
                case_id, took_over = self._one(
                    "INSERT INTO forensix_cases(case_uid, case_number, agency, added_at) VALUES(?,?,?,?)"
                    " RETURNING id", case.uid, case.number, case.agency, utc_now())[0], False
            for exhibit in exhibits:
                self._execute("DELETE FROM forensix_sightings WHERE case_id=? AND exhibit=?", case_id, exhibit)
            insert = self._sql("INSERT INTO forensix_sightings(case_id, exhibit, kind, value, path, copies,"
                               " scanned_at) VALUES(?,?,?,?,?,?,?)")
            cursor = self.db.cursor()
            pending = iter(sightings)
            while batch := [(case_id, s.exhibit, s.kind, s.value, s.path, s.copies, s.scanned_at)
                            for s in islice(pending, 5000)]:
                cursor.executemany(insert, batch)
        return took_over

    def seen_elsewhere(self, case: Case, values: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Seen]]:
        """Every value of ``values`` that another case (another identity, whatever its number) holds, with where."""
        by_kind: dict[str, list[str]] = {}
        for kind, value in values:
            by_kind.setdefault(kind, []).append(value)
        out: dict[tuple[str, str], list[Seen]] = {}
        with self._reading():
            own = self._own_id(case)
            for kind, wanted in by_kind.items():
                for start in range(0, len(wanted), CHUNK):
                    chunk = wanted[start:start + CHUNK]
                    query = self._sql(
                        "SELECT s.value, c.case_number, c.agency, s.exhibit, s.path, s.copies, s.scanned_at"
                        " FROM forensix_sightings s JOIN forensix_cases c ON c.id = s.case_id"
                        f" WHERE s.kind = ? AND s.case_id <> ? AND s.value IN ({','.join('?' * len(chunk))})"
                        " ORDER BY c.case_number, COALESCE(c.agency, ''), c.id, s.exhibit")
                    for value, *where in self.db.execute(query, (kind, own, *chunk)).fetchall():
                        out.setdefault((kind, value), []).append(Seen(*where))
        return out

    def namesakes(self, case: Case) -> list[str]:
        """The other cases the repository holds under this case's number, as an examiner tells
        them apart (:func:`case_label`), oldest first."""
        with self._reading():
            rows = self._execute("SELECT case_number, agency FROM forensix_cases WHERE case_number=? AND id<>?"
                                 " ORDER BY id", case.number, self._own_id(case)).fetchall()
        return [case_label(number, agency) for number, agency in rows]

    # -- plumbing ----------------------------------------------------------------------
    def _own_row(self, case: Case) -> Any:
        """``(id, case_uid)`` of the case's row: by its identity, else the row an earlier forensix
        made for its number and agency (it holds no identity; the first case of that number and
        agency to come back takes it over, as that forensix would have merged them), else None."""
        return self._one("SELECT id, case_uid FROM forensix_cases WHERE case_uid=? OR (case_uid IS NULL AND"
                         " case_number=? AND COALESCE(agency, '')=?) ORDER BY case_uid IS NULL LIMIT 1",
                         case.uid, case.number, case.agency or "")

    def _own_id(self, case: Case) -> int:
        found = self._own_row(case)
        return found[0] if found is not None else -1

    def _version(self) -> str | None:
        try:
            row = self._one("SELECT value FROM forensix_meta WHERE key='schema_version'")
        except Exception:
            row = None
        finally:
            self._rollback()
        return row[0] if row is not None else None

    def _check(self) -> None:
        version = self._version()
        if version is None:
            raise RepositoryError(f"{self.where} is not a forensix repository (forensix repo init makes one), "
                                  "or this login may not read it")
        if version == "1":
            try:
                self._upgrade()
            except ReadOnly:
                raise RepositoryError(f"{self.where} was made by an earlier forensix (schema 1) and this login may "
                                      "not bring it up to date: its owner does, in place and keeping every case, "
                                      "with forensix repo init URL") from None
        elif version != SCHEMA_VERSION:
            raise RepositoryError(f"{self.where} is a repository of another forensix (schema {version})")

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

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A read, ended at once (nothing is held open between scans); a failure in plain words."""
        try:
            yield
        except RepositoryError:
            raise
        except Exception as exc:
            raise RepositoryError(f"the repository ({self.where}) could not be searched: {_words(exc, self.url)}") \
                from None
        finally:
            self._rollback()


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
    return any(words in text for words in ("permission denied", "must be owner", "readonly database", "read-only"))


def case_label(number: str, agency: str | None) -> str:
    """A case as an examiner tells it from another of the same number: ``2026-001 (County Police)``."""
    return f"{number} ({agency})" if agency else number


def _words(exc: BaseException, url: str) -> str:
    """A library's error as one line, with the address and any password taken out."""
    text = " ".join(str(exc).split()) or "the database gave no reason"
    return redact(text, url)
