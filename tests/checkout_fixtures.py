"""API servers for checkout tests: wired to the PSP sandbox processes with test-sized PSP timeouts,
and one whose external tax provider is down (nothing listens on its port)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mercato.config import Settings
from tests.conftest import ServedApp
from tests.psp_fixtures import API_KEY, CLIENT_TIMEOUT_SECONDS, WEBHOOK_SECRET, SandboxProcess


def _checkout_settings(settings: Settings, primary: SandboxProcess, **extra: object) -> Settings:
    return settings.model_copy(
        update={
            "psp_providers": f"primary={primary.url}",
            "psp_api_keys": f"primary={API_KEY}",
            "psp_webhook_secrets": f"primary={WEBHOOK_SECRET}",
            "psp_timeout_seconds": CLIENT_TIMEOUT_SECONDS,
            "psp_max_retries": 1,
            "psp_retry_backoff_seconds": 0.01,
            "checkout_rate_limit": 0,
            **extra,
        }
    )


@pytest.fixture(scope="session")
def checkout_app(settings: Settings, database_url: str, _primary_process: SandboxProcess) -> Iterator[ServedApp]:
    """The API with the primary sandbox as its PSP (short timeouts), served over HTTP."""
    served = ServedApp(_checkout_settings(settings, _primary_process), database_url)
    served.start()
    yield served
    served.stop()


@pytest.fixture
def shop_api(checkout_app: ServedApp, primary: SandboxProcess) -> Iterator[httpx.Client]:
    """A client of `checkout_app`; the sandbox is reset to test defaults first."""
    with httpx.Client(base_url=checkout_app.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def tax_down_app(settings: Settings, database_url: str, _primary_process: SandboxProcess) -> Iterator[ServedApp]:
    """The API configured with an external tax provider that does not answer."""
    served = ServedApp(
        _checkout_settings(
            settings, _primary_process, tax_provider_url="http://127.0.0.1:9", tax_provider_timeout_seconds=0.3
        ),
        database_url,
    )
    served.start()
    yield served
    served.stop()
