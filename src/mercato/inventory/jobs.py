"""What the worker runs for inventory: the TTL sweeper that gives expired reservations' stock back
(emitting `reservation.expired`, and `stock.back_in_stock` where that brings a sold-out SKU back).

Each batch claims expired reservations with FOR UPDATE SKIP LOCKED in its own short transaction, so any
number of workers can sweep side by side without waiting on each other or on a checkout committing the
same rows (a row a commit holds is skipped, and once committed it is no longer active).
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.inventory.domain import LedgerKind, Reservation
from mercato.inventory.services.invariants import report_breaches
from mercato.inventory.services.reservation_rows import RESERVATION_COLUMNS, reservation_from_row
from mercato.inventory.services.retry import with_retries
from mercato.inventory.services.stock_moves import settle_reservations
from mercato.kernel.clock import Clock

SWEEPER_ACTOR = "system:reservation-sweeper"

# The claim is a MATERIALIZED CTE: as `WHERE id IN (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)` the planner
# may run the subquery as a join that it re-evaluates, and the LIMIT is then not honoured (seen in the suite
# once other tests had changed the table's statistics: a batch of 10 released 25).
_CLAIM_EXPIRED = text(
    f"""
    WITH claimed AS MATERIALIZED (
        SELECT id FROM reservations
        WHERE status = 'active' AND expires_at <= :now
        ORDER BY expires_at, id
        LIMIT :batch_size
        FOR UPDATE SKIP LOCKED
    )
    UPDATE reservations SET status = 'released', updated_at = :now
    FROM claimed
    WHERE reservations.id = claimed.id AND reservations.status = 'active'
    RETURNING {", ".join("reservations." + c.strip() for c in RESERVATION_COLUMNS.split(","))}
    """
)


class SweeperMetrics:
    """How many reservations the sweeper released, and how old they were; registered on the given registry
    (the worker's, or a test's own) so instances never collide."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.released = Counter(
            "mercato_reservations_expired",
            "Reservations released by the TTL sweeper because they expired",
            registry=registry,
        )
        self.age_seconds = Histogram(
            "mercato_reservation_age_seconds",
            "Age of reservations (creation to release) when the TTL sweeper released them",
            buckets=(60, 300, 600, 900, 1200, 1800, 3600, 7200, 21600, 86400),
            registry=registry,
        )

    def observe(self, released: list[Reservation], now: datetime) -> None:
        self.released.inc(len(released))
        for reservation in released:
            self.age_seconds.observe((now - reservation.created_at).total_seconds())


async def _sweep_batch(engine: AsyncEngine, now: datetime, batch_size: int) -> list[Reservation]:
    async with unit_of_work(engine) as tx:
        conn = tx.conn

        async def attempt() -> list[Reservation]:
            rows = await conn.execute(_CLAIM_EXPIRED, {"now": now, "batch_size": batch_size})
            released = sorted((reservation_from_row(r) for r in rows), key=lambda r: r.id)
            await settle_reservations(
                tx,
                released,
                kind=LedgerKind.RELEASE,
                event_type="reservation.expired",
                reason="expired",
                actor=SWEEPER_ACTOR,
                now=now,
            )
            return released

        return await with_retries(conn, attempt, events=tx.events)


async def release_expired_reservations(
    engine: AsyncEngine,
    clock: Clock,
    *,
    batch_size: int,
    metrics: SweeperMetrics,
    max_batches: int = 20,
) -> int:
    """Release reservations whose hold has expired, batch by batch, until none are left (or max_batches
    ran, leaving the rest for the next tick); returns how many were released."""
    total = 0
    for _ in range(max_batches):
        now = clock.now()
        released = await _sweep_batch(engine, now, batch_size)
        metrics.observe(released, now)
        total += len(released)
        if len(released) < batch_size:
            break
    return total


async def audit_stock(engine: AsyncEngine, clock: Clock) -> int:
    """Check the stock invariants and report each new breach as stock.oversold; returns how many."""
    async with unit_of_work(engine) as tx:
        return await report_breaches(tx)
