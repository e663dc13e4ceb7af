"""What the checkout saga needs from the rest of the system, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import Clock
from mercato.payments import ProviderRegistry
from mercato.pricing import TaxService
from mercato.shipping import ShippingRateTable


@dataclass(frozen=True, slots=True)
class CheckoutDeps:
    """Engine, clock, PSPs, tax and shipping, and the saga's timing."""

    engine: AsyncEngine
    clock: Clock
    psp: ProviderRegistry
    tax: TaxService
    shipping: ShippingRateTable
    reservation_ttl: timedelta
    lease: timedelta = timedelta(seconds=30)
