"""The configured PSP providers in fallback order, and the one way every PSP call is made.

`ProviderRegistry.call` wraps a call in the provider's circuit breaker, retries it with exponential
backoff and jitter (tenacity) only when that is safe — the request was not processed, or the PSP
failed in a way a replay with the *same* idempotency key resolves — and records latency and outcome.
A timeout is not retried inline: the caller has already waited the timeout once, and the attempt is
left `unknown` for the next call or reconciliation to resolve with the same key.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import CollectorRegistry
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from mercato.config import Settings
from mercato.payments.breaker import ProviderBreakers
from mercato.payments.metrics import PaymentMetrics
from mercato.payments.providers.base import (
    PaymentProvider,
    ProviderDeclined,
    ProviderError,
    ProviderInvalidPaymentMethod,
    ProviderOutcomeUnknown,
    ProviderUnavailable,
)
from mercato.payments.providers.stripe_adapter import StripeProvider

T = TypeVar("T")

SANDBOX_API_KEY = "sk_test_sandbox"
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox"
_NOT_RETRIED = {"breaker_open", "authentication_failed", "timeout"}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a PSP call is retried inline."""

    max_retries: int = 2
    backoff_seconds: float = 0.2


def _retry_is_safe(exc: BaseException) -> bool:
    return isinstance(exc, ProviderUnavailable | ProviderOutcomeUnknown) and exc.code not in _NOT_RETRIED


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "succeeded"
    if isinstance(exc, ProviderDeclined):
        return "declined"
    if isinstance(exc, ProviderUnavailable):
        return "breaker_open" if exc.code == "breaker_open" else "unavailable"
    if isinstance(exc, ProviderOutcomeUnknown):
        return "unknown"
    if isinstance(exc, ProviderInvalidPaymentMethod | ProviderError):
        return "invalid"
    return "unknown"


def parse_pairs(value: str) -> dict[str, str]:
    """`"a=x,b=y"` → `{"a": "x", "b": "y"}`, keeping order."""
    pairs: dict[str, str] = {}
    for item in value.split(","):
        if item.strip():
            name, sep, rest = item.partition("=")
            if not sep or not name.strip() or not rest.strip():
                raise ValueError(f"expected name=value, got {item!r}")
            pairs[name.strip()] = rest.strip()
    return pairs


class ProviderRegistry:
    """Providers by name in fallback order, their breakers, the retry policy and the metrics."""

    def __init__(
        self,
        providers: list[PaymentProvider],
        *,
        metrics: PaymentMetrics | None = None,
        retry: RetryPolicy | None = None,
        breaker_threshold: int = 5,
        breaker_reset_seconds: float = 30.0,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._providers = {p.name: p for p in providers}
        self.metrics = metrics or PaymentMetrics()
        self.retry = retry or RetryPolicy()
        self.breakers = ProviderBreakers(
            threshold=breaker_threshold, reset_seconds=breaker_reset_seconds, metrics=self.metrics
        )
        # A `pending` attempt older than this was abandoned by a crashed process, not still in flight:
        # every try's timeout plus every backoff, with a margin.
        tries = self.retry.max_retries + 1
        self.stale_pending_seconds = tries * (timeout_seconds + self.retry.backoff_seconds * 8) + 5.0

    @classmethod
    def from_settings(
        cls, settings: Settings, *, metrics_registry: CollectorRegistry | None = None
    ) -> ProviderRegistry:
        """The providers `MERCATO_PSP_PROVIDERS` names, each a Stripe-speaking account."""
        keys = parse_pairs(settings.psp_api_keys)
        secrets = parse_pairs(settings.psp_webhook_secrets)
        providers: list[PaymentProvider] = [
            StripeProvider(
                name,
                api_key=keys.get(name, SANDBOX_API_KEY),
                base_url=url,
                webhook_secret=secrets.get(name, SANDBOX_WEBHOOK_SECRET),
                timeout_seconds=settings.psp_timeout_seconds,
                connect_timeout_seconds=settings.psp_connect_timeout_seconds,
            )
            for name, url in parse_pairs(settings.psp_providers).items()
        ]
        return cls(
            providers,
            metrics=PaymentMetrics(metrics_registry),
            retry=RetryPolicy(settings.psp_max_retries, settings.psp_retry_backoff_seconds),
            breaker_threshold=settings.psp_breaker_threshold,
            breaker_reset_seconds=settings.psp_breaker_reset_seconds,
            timeout_seconds=settings.psp_timeout_seconds,
        )

    @property
    def names(self) -> list[str]:
        """Provider names in fallback order."""
        return list(self._providers)

    def get(self, name: str) -> PaymentProvider | None:
        """A provider by name, or None if it is not (or no longer) configured."""
        return self._providers.get(name)

    async def call(self, provider: str, operation: str, request: Callable[[], Awaitable[T]]) -> T:
        """Make one logical PSP call: breaker, safe retries with backoff and jitter, metrics."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.max_retries + 1),
            wait=wait_exponential_jitter(
                multiplier=self.retry.backoff_seconds,
                max=self.retry.backoff_seconds * 8,
                jitter=self.retry.backoff_seconds,
            ),
            retry=retry_if_exception(_retry_is_safe),
            reraise=True,
        )
        uncertain: list[ProviderOutcomeUnknown] = []

        async def try_once() -> T:
            try:
                return await self._try_once(provider, operation, request)
            except ProviderOutcomeUnknown as exc:
                uncertain.append(exc)
                raise

        try:
            async for attempt in retrying:
                with attempt:
                    result = await try_once()
        except ProviderUnavailable as exc:
            # A later try that never reached the PSP does not undo an earlier try that may have.
            final: BaseException = uncertain[-1] if uncertain else exc
            self.metrics.calls.labels(provider, operation, _outcome(final)).inc()
            if uncertain:
                raise uncertain[-1] from exc
            raise
        except BaseException as exc:
            self.metrics.calls.labels(provider, operation, _outcome(exc)).inc()
            raise
        self.metrics.calls.labels(provider, operation, "succeeded").inc()
        return result

    async def _try_once(self, provider: str, operation: str, request: Callable[[], Awaitable[T]]) -> T:
        async with self.breakers.guard(provider):
            started = time.perf_counter()
            try:
                return await request()
            finally:
                self.metrics.latency.labels(provider, operation).observe(time.perf_counter() - started)

    async def close(self) -> None:
        """Close every provider's connections."""
        for provider in self._providers.values():
            await provider.close()
