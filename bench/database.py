"""Where benchmarks keep their data: the PostgreSQL server at BENCH_DATABASE_URL, or an embedded one under
./var/bench-pg, apart from the development and test databases so a benchmark never touches them.

Benchmarks create their own databases on that server (so BENCH_DATABASE_URL needs CREATEDB rights).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import TupleRow

from mercato.db.embedded import EmbeddedPostgres
from mercato.db.engine import libpq_url
from mercato.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


class BenchPostgres:
    """A PostgreSQL server for benchmarks, started (embedded) on enter and stopped on exit if we started it."""

    def __init__(self) -> None:
        self._embedded: EmbeddedPostgres | None = None
        self.admin_url = ""

    def __enter__(self) -> BenchPostgres:
        given = os.environ.get("BENCH_DATABASE_URL")
        if given:
            self.admin_url = libpq_url(given)
        else:
            self._embedded = EmbeddedPostgres(ROOT / "var" / "bench-pg")
            self.admin_url = self._embedded.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None

    @property
    def description(self) -> str:
        """Which server, for the report."""
        with psycopg.connect(self.admin_url) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        version = row[0] if row else "?"
        where = "BENCH_DATABASE_URL" if self._embedded is None else "embedded, ./var/bench-pg, default settings"
        return f"PostgreSQL {version} ({where})"

    def database(self, name: str, *, fresh: bool = False) -> str:
        """A migrated database called `name` (dropped and recreated first when `fresh`); its libpq URL."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(self.admin_url, name)
        upgrade(url)
        return url

    def size(self, url: str) -> str:
        """The database's size on disk, human-readable."""
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
        return str(row[0]) if row else "?"


def count_rows(conn: psycopg.Connection[TupleRow], table: str) -> int:
    """`SELECT count(*)` of one of our tables (a constant name, never user input)."""
    row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(row[0]) if row else 0
