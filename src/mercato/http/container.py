"""The composition root's product: every long-lived object a request may need, built once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.http.rate_limit import RateLimit
from mercato.http.storage import ObjectStorage
from mercato.identity import TokenIssuer
from mercato.kernel.clock import Clock
from mercato.kernel.paging import CursorCodec
from mercato.payments import ProviderRegistry
from mercato.pricing import TaxService
from mercato.shipping import ShippingRateTable


@dataclass(slots=True)
class Container:
    """Settings, the engine, and the services built from them; hung on `app.state.container`."""

    settings: Settings
    engine: AsyncEngine
    clock: Clock
    tokens: TokenIssuer
    cursors: CursorCodec
    storage: ObjectStorage
    psp: ProviderRegistry
    tax: TaxService  # tax rates (table cached in memory; an external provider when configured)
    shipping: ShippingRateTable  # zones and carrier rates, cached in memory
    checkout_rate_limit: RateLimit  # checkouts per customer per minute (Redis-shared when REDIS_URL is set)
