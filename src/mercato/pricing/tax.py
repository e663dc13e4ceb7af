"""Tax rates: the database table cached in memory, and an optional external provider in front of it.

The external provider (Avalara/TaxJar-like) is the accurate answer; when it fails or is slow, the
cached table is the estimate and the quote says so (`estimated`), so checkout is never blocked by a
tax incident (the design's degraded mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.reference_cache import ReferenceCache
from mercato.pricing.tables import tax_rates

logger = structlog.get_logger("mercato.tax")


@dataclass(frozen=True, slots=True)
class Destination:
    """Where goods are shipped: ISO country, state/province code, postal code."""

    country: str
    region: str = ""
    postal_code: str = ""


@dataclass(frozen=True, slots=True)
class TaxRate:
    """A rate in basis points, and whether it is an estimate (the provider could not be asked)."""

    rate_bps: int
    estimated: bool


class TaxProvider(Protocol):
    """An external tax service."""

    async def rate_bps(self, destination: Destination) -> int:
        """The combined sales tax rate at the destination, in basis points."""
        ...


class HttpTaxProvider:
    """A tax service over HTTP: `POST {base_url}/v1/rates {country, region, postal_code}` → `{rate_bps}`."""

    def __init__(self, base_url: str, *, timeout_seconds: float, client: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=timeout_seconds)

    async def rate_bps(self, destination: Destination) -> int:
        response = await self.client.post(
            f"{self.base_url}/v1/rates",
            json={"country": destination.country, "region": destination.region, "postal_code": destination.postal_code},
        )
        response.raise_for_status()
        value = response.json()["rate_bps"]
        if not isinstance(value, int) or not 0 <= value <= 10_000:
            raise ValueError(f"tax provider answered an impossible rate: {value!r}")
        return value


class TaxRateTable:
    """The tax_rates table held in memory, reloaded after `ttl_seconds`; most specific match wins."""

    def __init__(self, engine: AsyncEngine, *, ttl_seconds: float = 60.0) -> None:
        self._cache = ReferenceCache(engine, _load_rates, ttl_seconds=ttl_seconds)

    def invalidate(self) -> None:
        """Forget the cached table (after an admin changes rates)."""
        self._cache.invalidate()

    async def rate_bps(self, destination: Destination) -> int:
        rates = await self._cache.get()
        country, region, postal = destination.country.upper(), destination.region.upper(), destination.postal_code
        for length in range(len(postal), 0, -1):
            rate = rates.get((country, region, postal[:length]))
            if rate is not None:
                return rate
        for key in ((country, region, ""), (country, "", "")):
            if key in rates:
                return rates[key]
        return 0


async def _load_rates(conn: AsyncConnection) -> dict[tuple[str, str, str], int]:
    rows = await conn.execute(
        select(tax_rates.c.country, tax_rates.c.region, tax_rates.c.postal_prefix, tax_rates.c.rate_bps)
    )
    return {(r.country, r.region, r.postal_prefix): r.rate_bps for r in rows}


class TaxService:
    """Asks the external provider when there is one, and falls back to the cached table as an estimate."""

    def __init__(self, table: TaxRateTable, external: TaxProvider | None = None) -> None:
        self.table = table
        self.external = external

    async def rate(self, destination: Destination) -> TaxRate:
        """The rate to charge at `destination`, marked estimated when the provider could not answer."""
        if self.external is None:
            return TaxRate(rate_bps=await self.table.rate_bps(destination), estimated=False)
        try:
            return TaxRate(rate_bps=await self.external.rate_bps(destination), estimated=False)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            logger.warning("tax_provider_failed", error=type(exc).__name__, country=destination.country)
            return TaxRate(rate_bps=await self.table.rate_bps(destination), estimated=True)
