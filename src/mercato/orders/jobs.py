"""Worker jobs of the orders context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.kernel.clock import Clock
from mercato.orders.services.fulfilment import Fulfilment, settle_canceled_orders
from mercato.payments import ProviderRegistry


def settle_canceled_job(settings: Settings) -> Callable[[AsyncEngine, Clock], Awaitable[int]]:
    """Retry releasing authorizations of canceled orders whose void failed at cancel time."""
    built: dict[str, ProviderRegistry] = {}

    async def run(engine: AsyncEngine, clock: Clock) -> int:
        if "psp" not in built:
            built["psp"] = ProviderRegistry.from_settings(settings)
        return await settle_canceled_orders(Fulfilment(engine=engine, psp=built["psp"]))

    return run
