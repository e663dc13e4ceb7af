"""Test harness: a real PostgreSQL (embedded unless TEST_DATABASE_URL), migrated once per session,
emptied after every test; the real API served by uvicorn over real HTTP on a free port."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.app import create_app
from mercato.config import Settings
from mercato.db.embedded import EmbeddedPostgres, ensure_database
from mercato.db.engine import libpq_url, make_engine
from mercato.db.migrate import upgrade
from mercato.schema import metadata

pytest_plugins = ["tests.psp_fixtures", "tests.checkout_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
TEST_SECRET = "test-secret-" + "x" * 40
CARRIER_SECRET = "ups-webhook-test-secret"


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A freshly created, migrated database for this test session (and xdist worker)."""
    given = os.environ.get("TEST_DATABASE_URL")
    pg: EmbeddedPostgres | None = None
    if given:
        admin_url = libpq_url(given)
    else:
        pg = EmbeddedPostgres(ROOT / "var" / "test-pg")
        admin_url = pg.start()
    name = f"mercato_test_{_worker_suffix()}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if given:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base, _, query = admin_url.partition("?")
        url = base.rsplit("/", 1)[0] + "/" + name + (("?" + query) if query else "")
    else:
        url = ensure_database(admin_url, name)
    upgrade(url)
    yield url
    if pg:
        pg.stop()


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that touched the database, so no test sees another's rows."""
    yield
    if "database_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("database_url")
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for tests: a fixed secret and throwaway data and media directories."""
    data_dir = tmp_path_factory.mktemp("data")
    return Settings(
        env="test",
        jwt_secret=TEST_SECRET,
        data_dir=data_dir,
        log_json=True,
        log_level="WARNING",
        carrier_webhook_secrets={"ups": CARRIER_SECRET},
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServedApp:
    """The API running in uvicorn on a background thread, reachable over real HTTP."""

    def __init__(self, settings: Settings, database_url: str) -> None:
        self.port = _free_port()
        settings = settings.model_copy(update={"port": self.port})
        self.app = create_app(settings, database_url)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def served_app(settings: Settings, database_url: str) -> Iterator[ServedApp]:
    """One real API server for the session."""
    served = ServedApp(settings, database_url)
    served.start()
    yield served
    served.stop()


@pytest.fixture
def api(served_app: ServedApp, database_url: str) -> Iterator[httpx.Client]:
    """An HTTP client to the served API."""
    with httpx.Client(base_url=served_app.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async engine on the test database, for service-level tests."""
    eng = make_engine(database_url, pool_size=20, max_overflow=40)
    yield eng
    await eng.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A plain autocommit psycopg connection for assertions on what is stored."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


def _service_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _require_service(name: str, url: str, host: str, port: int) -> str:
    """The service URL if it answers; otherwise skip with the reason, or fail when CI requires services."""
    if _service_answers(host, port):
        return url
    reason = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("MERCATO_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} and MERCATO_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis URL for tests of Redis-backed features (TEST_REDIS_URL or 127.0.0.1:6379, db 15)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    return _require_service("Redis", url, host, int(port))


@pytest.fixture(scope="session")
def nats_url() -> str:
    """A NATS (JetStream) URL for event-stream tests (TEST_NATS_URL or 127.0.0.1:4222)."""
    url = os.environ.get("TEST_NATS_URL", "nats://127.0.0.1:4222")
    host_port = url.split("//", 1)[1]
    host, _, port = host_port.rpartition(":")
    return _require_service("NATS", url, host, int(port))
