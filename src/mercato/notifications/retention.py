"""Retention: finished customer messages and webhook deliveries are kept 30 days (long enough for a
merchant to look a delivery up and redeliver it, short enough that the tables stay small)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import Clock
from mercato.notifications.tables import notifications, webhook_deliveries

RETENTION = timedelta(days=30)


async def prune_finished(engine: AsyncEngine, clock: Clock) -> int:
    """Delete sent/failed messages and succeeded/dead deliveries older than the retention period."""
    cutoff = clock.now() - RETENTION
    async with engine.begin() as conn:
        messages = await conn.execute(
            delete(notifications).where(notifications.c.status != "pending", notifications.c.created_at < cutoff)
        )
        deliveries = await conn.execute(
            delete(webhook_deliveries).where(
                webhook_deliveries.c.status != "pending", webhook_deliveries.c.created_at < cutoff
            )
        )
    return (messages.rowcount or 0) + (deliveries.rowcount or 0)
