"""The `reservation.expiring` reminder: a checkout still in progress whose held stock runs out within the
lead time is told once, so the customer can finish before the sweeper gives the stock back.

The claim is the reminder itself: one statement picks due sessions with FOR UPDATE SKIP LOCKED, sets
their `expiry_reminded_at` (only where it is still unset) and returns them, and the events go to the
outbox in the same commit. Two workers running the job at once therefore never remind a checkout twice:
the second skips the rows the first holds, and finds them reminded once it commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.clock import Clock, rfc3339

# Sessions still running whose hold expires in (now, now + lead]. Only unfinished sessions are scanned
# (the partial index `ix_checkout_sessions_unfinished` holds just the checkouts in flight).
_CLAIM_DUE = text(
    """
    WITH due AS MATERIALIZED (
        SELECT id FROM checkout_sessions
        WHERE status = 'running'
          AND expiry_reminded_at IS NULL
          AND state ? 'hold_expires_at'
          AND CAST(state->>'hold_expires_at' AS timestamptz) > :now
          AND CAST(state->>'hold_expires_at' AS timestamptz) <= :due
        ORDER BY id
        LIMIT :batch_size
        FOR UPDATE SKIP LOCKED
    )
    UPDATE checkout_sessions s SET expiry_reminded_at = :now
    FROM due
    WHERE s.id = due.id AND s.expiry_reminded_at IS NULL
    RETURNING s.id, s.user_id, s.cart_id, s.state->>'hold_expires_at' AS hold_expires_at,
              s.state->'merchant_ids' AS merchant_ids
    """
)


async def remind_expiring_checkouts(
    engine: AsyncEngine, clock: Clock, *, lead: timedelta, batch_size: int = 200
) -> int:
    """Emit reservation.expiring once for each in-progress checkout whose hold expires within `lead`;
    returns how many were reminded."""
    now: datetime = clock.now()
    async with unit_of_work(engine) as tx:
        rows = list(await tx.conn.execute(_CLAIM_DUE, {"now": now, "due": now + lead, "batch_size": batch_size}))
        for row in rows:
            tx.emit(
                aggregate="checkout",
                aggregate_id=row.id,
                event_type="reservation.expiring",
                payload={
                    "checkout_id": row.id,
                    "user_id": row.user_id,
                    "cart_id": row.cart_id,
                    "expires_at": rfc3339(datetime.fromisoformat(row.hold_expires_at.replace("Z", "+00:00"))),
                    "merchant_ids": list(row.merchant_ids or []),
                },
            )
    return len(rows)


def reminder_job(lead_seconds: int) -> Callable[[AsyncEngine, Clock], Awaitable[int]]:
    """The worker job: remind the checkouts whose hold expires within `lead_seconds`."""

    async def run(engine: AsyncEngine, clock: Clock) -> int:
        return await remind_expiring_checkouts(engine, clock, lead=timedelta(seconds=lead_seconds))

    return run
