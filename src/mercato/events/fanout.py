"""Fan-out: turn new outbox rows into one pending delivery per interested consumer.

Only one fan-out runs at a time (a transaction-level advisory lock), and it takes rows in `seq` order,
so an aggregate's events always become pending in order; the delivery side keeps that order per consumer.
Rows no consumer wants are marked published all the same, so the outbox never accumulates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.infra_tables import outbox
from mercato.events.registry import ConsumerRegistry
from mercato.events.tables import consumer_deliveries

_FANOUT_LOCK = 0x6D657263_6F757462  # "mercoutb": one fan-out at a time across every worker


async def fan_out(engine: AsyncEngine, registry: ConsumerRegistry, *, now: datetime, batch_size: int = 500) -> int:
    """Fan out up to `batch_size` unpublished outbox rows; returns how many were published."""
    async with engine.begin() as conn:
        locked = (await conn.execute(select(func.pg_try_advisory_xact_lock(_FANOUT_LOCK)))).scalar_one()
        if not locked:
            return 0
        rows = (
            await conn.execute(
                select(outbox.c.seq, outbox.c.id, outbox.c.aggregate, outbox.c.aggregate_id, outbox.c.event_type)
                .add_columns(outbox.c.created_at)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        deliveries = [
            {
                "consumer": consumer,
                "event_id": row.id,
                "seq": row.seq,
                "aggregate_key": f"{row.aggregate}:{row.aggregate_id}",
                "next_attempt_at": now,
                "event_created_at": row.created_at,
            }
            for row in rows
            for consumer in registry.subscribers(row.event_type)
        ]
        if deliveries:
            await conn.execute(pg_insert(consumer_deliveries).on_conflict_do_nothing(), deliveries)
        await conn.execute(
            update(outbox)
            .where(outbox.c.seq.in_([row.seq for row in rows]))
            .values(published_at=now, attempts=outbox.c.attempts + 1)
        )
    return len(rows)


async def prune_delivered(engine: AsyncEngine, *, older_than: datetime) -> int:
    """Delete finished deliveries, and outbox rows with nothing pending, older than the retention."""
    async with engine.begin() as conn:
        gone = await conn.execute(
            consumer_deliveries.delete().where(
                consumer_deliveries.c.status != "pending", consumer_deliveries.c.delivered_at < older_than
            )
        )
        await conn.execute(
            text(
                "DELETE FROM outbox o WHERE o.published_at < :cutoff AND NOT EXISTS "
                "(SELECT 1 FROM consumer_deliveries d WHERE d.event_id = o.id AND d.status = 'pending')"
            ),
            {"cutoff": older_than},
        )
    return gone.rowcount or 0
