"""One circuit breaker per PSP provider, on `purgatory` (an asyncio circuit breaker).

Only availability failures trip it (unavailable, unknown outcome); a decline or an invalid request is
the PSP working correctly and counts as a success. While open, calls fail at once with
`ProviderUnavailable(code="breaker_open")`; after `reset_seconds` one call is let through (half-open)
and its outcome closes or reopens the breaker.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from mercato.payments.metrics import BREAKER_STATES, PaymentMetrics
from mercato.payments.providers.base import (
    ProviderDeclined,
    ProviderInvalidPaymentMethod,
    ProviderInvalidRequest,
    ProviderUnavailable,
)


class ProviderBreakers:
    """The breakers of every provider, with their state mirrored into a metric."""

    def __init__(self, *, threshold: int, reset_seconds: float, metrics: PaymentMetrics) -> None:
        self.reset_seconds = reset_seconds
        self._metrics = metrics
        self._opened_at: dict[str, float] = {}
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=reset_seconds,
            exclude=[ProviderDeclined, ProviderInvalidPaymentMethod, ProviderInvalidRequest],
        )
        self._factory.add_listener(self._on_event)

    def _on_event(self, name: str, event_type: str, event: Any) -> None:
        if event_type == "state_changed":
            state = str(event.state)
            self._metrics.breaker_state.labels(name).set(BREAKER_STATES.get(state, 0))
            if state == "opened":
                self._opened_at[name] = time.time()
            else:
                self._opened_at.pop(name, None)

    @asynccontextmanager
    async def guard(self, provider: str) -> AsyncIterator[None]:
        """Run the block under the provider's breaker; raise `ProviderUnavailable` at once if it is open."""
        breaker = await self._factory.get_breaker(provider)
        try:
            await breaker.__aenter__()
        except OpenedState as exc:
            raise ProviderUnavailable(f"the circuit breaker of {provider} is open", code="breaker_open") from exc
        try:
            yield
        except BaseException as exc:
            await breaker.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        await breaker.__aexit__(None, None, None)

    def is_open(self, provider: str) -> bool:
        """Whether the provider's breaker is open (calls would be refused without trying)."""
        opened = self._opened_at.get(provider)
        return opened is not None and time.time() < opened + self.reset_seconds

    def seconds_until_retry(self, providers: list[str]) -> int:
        """When the first open breaker among `providers` lets a call through again (at least 1 s)."""
        now = time.time()
        waits = [opened + self.reset_seconds - now for name, opened in self._opened_at.items() if name in providers]
        return max(1, math.ceil(min(waits))) if waits else 1
