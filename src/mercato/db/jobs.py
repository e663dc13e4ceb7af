"""Housekeeping jobs of the database layer itself."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.infra_tables import idempotency_keys
from mercato.kernel.clock import Clock


async def purge_expired_idempotency_keys(engine: AsyncEngine, clock: Clock) -> int:
    """Delete stored idempotent responses past their 24 h lifetime; returns how many went."""
    async with engine.begin() as conn:
        result = await conn.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at < clock.now()))
    return result.rowcount or 0
