"""Small reference tables (tax rates, shipping zones) held in memory and reloaded after a TTL.

Checkout reads them on every request; they change rarely, and a minute of staleness is the design's
accepted trade-off ("pre-cached by zip: fast but stale; periodic refresh").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")


class ReferenceCache(Generic[T]):
    """The value `load` builds from the database, rebuilt at most once per `ttl_seconds`, one loader at a time."""

    def __init__(
        self, engine: AsyncEngine, load: Callable[[AsyncConnection], Awaitable[T]], *, ttl_seconds: float
    ) -> None:
        self.engine = engine
        self._load = load
        self.ttl_seconds = ttl_seconds
        self._value: T | None = None
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._value is not None and time.monotonic() - self._loaded_at < self.ttl_seconds

    async def get(self) -> T:
        """The cached value, reloaded first if it is older than the TTL."""
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    async with self.engine.connect() as conn:
                        self._value = await self._load(conn)
                    self._loaded_at = time.monotonic()
        assert self._value is not None
        return self._value

    def invalidate(self) -> None:
        """Reload on the next read (after an admin changes the table)."""
        self._loaded_at = float("-inf")
