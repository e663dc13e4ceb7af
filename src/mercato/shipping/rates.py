"""Shipping rates: zones by destination and per-carrier prices by zone and weight, cached in memory.

A shipment's price is the cheapest carrier's tier that holds its weight; heavier parcels are priced
as several of the heaviest tier. Digital-only shipments ship free.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.reference_cache import ReferenceCache
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


@dataclass(frozen=True, slots=True)
class _Tables:
    zones: dict[tuple[str, str], str]
    tiers: list[_Tier]


async def _load_tables(conn: AsyncConnection) -> _Tables:
    zones = {(z.country, z.region): z.zone for z in await conn.execute(select(shipping_zones))}
    tiers = await conn.execute(select(shipping_rates).order_by(shipping_rates.c.max_weight_grams))
    return _Tables(zones, [_Tier(t.carrier, t.zone, t.max_weight_grams, t.amount, t.currency) for t in tiers])


@dataclass(frozen=True, slots=True)
class RateSnapshot:
    """The zone and rate tables as loaded once: quotes from it need no I/O, so a caller can price inside a
    database transaction without asking the pool for a second connection (which, under load, waits on the
    very connections such transactions hold)."""

    tables: _Tables

    def _zone(self, country: str, region: str) -> str | None:
        for key in ((country, region), (country, ""), (ANYWHERE, "")):
            if key in self.tables.zones:
                return self.tables.zones[key]
        return None

    def quote(
        self, *, country: str, region: str, weight_grams: int, currency: str, digital_only: bool = False
    ) -> ShippingQuote | None:
        """The cheapest quote for a parcel, or None when no carrier serves the destination."""
        if digital_only:
            return ShippingQuote(carrier="digital", amount=0)
        zone = self._zone(country.upper(), region.upper())
        if zone is None:
            return None
        best: ShippingQuote | None = None
        tiers_all = self.tables.tiers
        carriers = {t.carrier for t in tiers_all if t.zone == zone and t.currency == currency}
        for carrier in sorted(carriers):
            tiers = [t for t in tiers_all if t.carrier == carrier and t.zone == zone and t.currency == currency]
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


class ShippingRateTable:
    """The zone and rate tables, held in memory and reloaded after `ttl_seconds`."""

    def __init__(self, engine: AsyncEngine, *, ttl_seconds: float = 60.0) -> None:
        self._cache = ReferenceCache(engine, _load_tables, ttl_seconds=ttl_seconds)

    def invalidate(self) -> None:
        """Forget the cached tables."""
        self._cache.invalidate()

    async def snapshot(self) -> RateSnapshot:
        """The current tables, for quoting without I/O (loads them first if the cache is cold or stale)."""
        return RateSnapshot(await self._cache.get())

    async def quote(
        self, *, country: str, region: str, weight_grams: int, currency: str, digital_only: bool = False
    ) -> ShippingQuote | None:
        """The cheapest quote for a parcel, or None when no carrier serves the destination."""
        if digital_only:  # needs no tables
            return ShippingQuote(carrier="digital", amount=0)
        return (await self.snapshot()).quote(
            country=country, region=region, weight_grams=weight_grams, currency=currency
        )
