"""Shipping rates: zones by destination and per-carrier prices by zone and weight, cached in memory.

A shipment's price is the cheapest carrier's tier that holds its weight; heavier parcels are priced
as several of the heaviest tier. Digital-only shipments ship free.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.shipping.tables import shipping_rates, shipping_zones

ANYWHERE = "*"


@dataclass(frozen=True, slots=True)
class ShippingQuote:
    """A carrier and what it charges for one shipment."""

    carrier: str
    amount: int


@dataclass(frozen=True, slots=True)
class _Tier:
    carrier: str
    zone: str
    max_weight_grams: int
    amount: int
    currency: str


class ShippingRateTable:
    """The zone and rate tables, held in memory and reloaded after `ttl_seconds`."""

    def __init__(self, engine: AsyncEngine, *, ttl_seconds: float = 60.0) -> None:
        self.engine = engine
        self.ttl_seconds = ttl_seconds
        self._zones: dict[tuple[str, str], str] = {}
        self._tiers: list[_Tier] = []
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at < self.ttl_seconds:
            return
        async with self._lock:
            if time.monotonic() - self._loaded_at < self.ttl_seconds:
                return
            async with self.engine.connect() as conn:
                zones = await conn.execute(select(shipping_zones))
                self._zones = {(z.country, z.region): z.zone for z in zones}
                tiers = await conn.execute(select(shipping_rates).order_by(shipping_rates.c.max_weight_grams))
                self._tiers = [_Tier(t.carrier, t.zone, t.max_weight_grams, t.amount, t.currency) for t in tiers]
            self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        """Forget the cached tables."""
        self._loaded_at = float("-inf")

    def _zone(self, country: str, region: str) -> str | None:
        for key in ((country, region), (country, ""), (ANYWHERE, "")):
            if key in self._zones:
                return self._zones[key]
        return None

    async def quote(
        self, *, country: str, region: str, weight_grams: int, currency: str, digital_only: bool = False
    ) -> ShippingQuote | None:
        """The cheapest quote for a parcel, or None when no carrier serves the destination."""
        if digital_only:
            return ShippingQuote(carrier="digital", amount=0)
        await self._refresh()
        zone = self._zone(country.upper(), region.upper())
        if zone is None:
            return None
        best: ShippingQuote | None = None
        carriers = {t.carrier for t in self._tiers if t.zone == zone and t.currency == currency}
        for carrier in sorted(carriers):
            tiers = [t for t in self._tiers if t.carrier == carrier and t.zone == zone and t.currency == currency]
            fitting = next((t for t in tiers if t.max_weight_grams >= weight_grams), None)
            if fitting is not None:
                amount = fitting.amount
            else:
                heaviest = tiers[-1]
                parcels = -(-weight_grams // heaviest.max_weight_grams)
                amount = heaviest.amount * parcels
            if best is None or amount < best.amount:
                best = ShippingQuote(carrier=carrier, amount=amount)
        return best
