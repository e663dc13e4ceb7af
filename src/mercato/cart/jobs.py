"""What the worker runs for carts: removing guest carts that stayed idle past their expiry."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import Clock

# Customers' carts never expire; a guest cart whose checkout has begun or finished is left to checkout.
_PURGE = text(
    """
    WITH claimed AS MATERIALIZED (
        SELECT id FROM carts
        WHERE user_id IS NULL AND expires_at <= :now AND status IN ('active', 'merged', 'expired')
        ORDER BY expires_at
        LIMIT :batch_size
        FOR UPDATE SKIP LOCKED
    )
    DELETE FROM carts USING claimed WHERE carts.id = claimed.id
    """
)


async def purge_expired_guest_carts(
    engine: AsyncEngine, clock: Clock, *, batch_size: int = 1000, max_batches: int = 20
) -> int:
    """Delete expired guest carts (their lines go with them), batch by batch; returns how many went."""
    total = 0
    for _ in range(max_batches):
        async with engine.begin() as conn:
            result = await conn.execute(_PURGE, {"now": clock.now(), "batch_size": batch_size})
        total += result.rowcount or 0
        if (result.rowcount or 0) < batch_size:
            break
    return total
