"""The PSP sandbox as a separate process, for payment tests (registered as a pytest plugin by conftest).

`SandboxProcess` runs `mercato psp-sandbox --port P --state-dir D` in a subprocess, waits for it to be
ready, and can kill (SIGKILL: a crash) and restart it on the same port and state. Tests run it with
0 ms latency and short hangs so the suite stays fast.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.ids import new_id
from mercato.payments import ProviderRegistry, RetryPolicy, create_payment
from mercato.payments.providers.stripe_adapter import StripeProvider
from tests.conftest import ServedApp

API_KEY = "sk_test_mercato_suite"
PUBLISHABLE_KEY = "pk_test_sandbox"
WEBHOOK_SECRET = "whsec_test_mercato_suite"
HANG_SECONDS = 3.0
CLIENT_TIMEOUT_SECONDS = 0.6
DEFAULTS: dict[str, Any] = {
    "latency_min_ms": 0,
    "latency_max_ms": 0,
    "error_rate": 0.0,
    "error_status": 503,
    "hang_seconds": HANG_SECONDS,
    "webhook_url": None,
    "webhook_timing": "async",
    "webhook_retry_base_seconds": 0.2,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _mercato_command() -> list[str]:
    script = Path(sys.executable).parent / "mercato"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mercato.cli"]


class SandboxProcess:
    """One sandbox PSP account in its own process."""

    def __init__(self, name: str, state_dir: Path, *, auth_ttl_seconds: int = 7 * 86400) -> None:
        self.name = name
        self.state_dir = state_dir
        self.port = _free_port()
        self.auth_ttl_seconds = auth_ttl_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = state_dir.parent / f"{state_dir.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            *_mercato_command(),
            "psp-sandbox",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.state_dir),
            "--latency-ms",
            "0",
            "--hang-seconds",
            str(HANG_SECONDS),
            "--auth-ttl-seconds",
            str(self.auth_ttl_seconds),
            "--api-key",
            API_KEY,
            "--webhook-secret",
            WEBHOOK_SECRET,
        ]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox exited: see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/_sandbox/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not become ready")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing gets flushed that was not already."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> None:
        self.kill()
        self.start()

    def configure(self, **changes: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/_sandbox/config", json=changes, timeout=5)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def reset(self) -> None:
        self.configure(**DEFAULTS)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        response = httpx.get(f"{self.url}{path}", params=params, headers={"Authorization": f"Bearer {API_KEY}"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def intents_for(self, payment_id: str) -> list[dict[str, Any]]:
        """Every PaymentIntent this account holds for a Mercato payment (its metadata names it)."""
        found = self.get("/v1/payment_intents/search", query=f"metadata['payment_id']:'{payment_id}'")
        data: list[dict[str, Any]] = found["data"]
        return data

    def tokenize(self, number: str) -> str:
        """Tokenize a card as a browser would (Stripe.js, publishable key): the number never touches Mercato."""
        response = httpx.post(
            f"{self.url}/v1/payment_methods",
            data={"type": "card", "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034"},
            headers={"Authorization": f"Bearer {PUBLISHABLE_KEY}"},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["id"]
        return token

    def provider(self, *, timeout: float = CLIENT_TIMEOUT_SECONDS) -> StripeProvider:
        return StripeProvider(
            self.name,
            api_key=API_KEY,
            base_url=self.url,
            webhook_secret=WEBHOOK_SECRET,
            timeout_seconds=timeout,
            connect_timeout_seconds=0.5,
        )


def make_registry(
    *sandboxes: SandboxProcess,
    breaker_threshold: int = 3,
    breaker_reset_seconds: float = 0.5,
    max_retries: int = 1,
    timeout_seconds: float = CLIENT_TIMEOUT_SECONDS,
) -> ProviderRegistry:
    """A registry over the given sandboxes with test-sized timeouts, retries and breakers."""
    return ProviderRegistry(
        [s.provider(timeout=timeout_seconds) for s in sandboxes],
        retry=RetryPolicy(max_retries=max_retries, backoff_seconds=0.01),
        breaker_threshold=breaker_threshold,
        breaker_reset_seconds=breaker_reset_seconds,
        timeout_seconds=timeout_seconds,
    )


@pytest.fixture(scope="session")
def _primary_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess("primary", tmp_path_factory.mktemp("psp") / "primary")
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="session")
def _secondary_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess("secondary", tmp_path_factory.mktemp("psp") / "secondary")
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _ensure_running(sandbox: SandboxProcess) -> SandboxProcess:
    if sandbox.process is None or sandbox.process.poll() is not None:
        sandbox.start()
    sandbox.reset()
    return sandbox


@pytest.fixture
def primary(_primary_process: SandboxProcess) -> SandboxProcess:
    """The first PSP account, running, with test defaults (0 ms latency, no injected errors)."""
    return _ensure_running(_primary_process)


@pytest.fixture
def secondary(_secondary_process: SandboxProcess) -> SandboxProcess:
    """The fallback PSP account."""
    return _ensure_running(_secondary_process)


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    """A sandbox of this test's own, to kill and restart at will."""
    sandbox = SandboxProcess("primary", tmp_path / "own-psp")
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
async def registry(primary: SandboxProcess, secondary: SandboxProcess) -> AsyncIterator[ProviderRegistry]:
    """primary then secondary, fresh breakers."""
    reg = make_registry(primary, secondary)
    yield reg
    await reg.close()


@pytest.fixture(scope="session")
def psp_served_app(
    settings: Settings, database_url: str, _primary_process: SandboxProcess, _secondary_process: SandboxProcess
) -> Iterator[ServedApp]:
    """A second API server whose PSPs are the two sandboxes (their webhooks are posted to it)."""
    psp_settings = settings.model_copy(
        update={
            "psp_providers": f"primary={_primary_process.url},secondary={_secondary_process.url}",
            "psp_api_keys": f"primary={API_KEY},secondary={API_KEY}",
            "psp_webhook_secrets": f"primary={WEBHOOK_SECRET},secondary={WEBHOOK_SECRET}",
        }
    )
    served = ServedApp(psp_settings, database_url)
    served.start()
    yield served
    served.stop()


@pytest.fixture
def psp_api(psp_served_app: ServedApp, database_url: str) -> Iterator[httpx.Client]:
    """An HTTP client to the API server wired to the sandboxes."""
    with httpx.Client(base_url=psp_served_app.base_url, timeout=30) as client:
        yield client


def free_port() -> int:
    """A port nothing listens on (for a provider that is down)."""
    return _free_port()


async def new_payment(engine: AsyncEngine, *, amount: int = 5000, currency: str = "usd") -> str:
    """A payment for a fresh checkout, as the saga would create it."""
    async with unit_of_work(engine) as tx:
        return await create_payment(
            tx, checkout_id=new_id("checkout"), user_id=new_id("user"), amount=amount, currency=currency
        )


def payment_row(db: psycopg.Connection[Any], payment_id: str) -> dict[str, Any]:
    """The stored payment, as a dict."""
    cursor = db.execute("SELECT * FROM payments WHERE id = %s", (payment_id,))
    names = [c.name for c in cursor.description or []]
    row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def attempt_rows(db: psycopg.Connection[Any], payment_id: str) -> list[dict[str, Any]]:
    """The payment's attempts, oldest first."""
    cursor = db.execute("SELECT * FROM payment_attempts WHERE payment_id = %s ORDER BY created_at, id", (payment_id,))
    names = [c.name for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
