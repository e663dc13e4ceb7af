"""Worker jobs of the checkout: compensate checkouts whose process died mid-saga."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.service import checkout_runner
from mercato.config import Settings
from mercato.kernel.clock import Clock
from mercato.payments import ProviderRegistry
from mercato.pricing import TaxRateTable, TaxService
from mercato.shipping import ShippingRateTable


def recovery_job(settings: Settings) -> Callable[[AsyncEngine, Clock], Awaitable[int]]:
    """A job that compensates abandoned checkout sessions (lease expired, nobody resumed them)."""
    built: dict[str, CheckoutDeps] = {}

    async def run(engine: AsyncEngine, clock: Clock) -> int:
        if "deps" not in built:
            built["deps"] = CheckoutDeps(
                engine=engine,
                clock=clock,
                psp=ProviderRegistry.from_settings(settings),
                tax=TaxService(TaxRateTable(engine)),
                shipping=ShippingRateTable(engine),
                reservation_ttl=timedelta(seconds=settings.reservation_ttl_seconds),
            )
        return await checkout_runner(built["deps"]).recover_abandoned()

    return run
