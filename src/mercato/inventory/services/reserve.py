"""Reserving stock for a checkout: all lines or none, never more than is available, whatever the contention.

Two statements inside a savepoint. The first locks the candidate stock rows in (sku_id, warehouse_id)
order, so concurrent reservers queue on the same rows in the same order and cannot deadlock, and reads
what they hold once locked (the totals it reads also tell when the reservation sold a SKU out:
`stock.out_of_stock`, see stock_events). The pure allocator then picks warehouses. The second statement writes
everything at once: the conditional UPDATE (`on_hand - reserved >= qty`, the stock check itself), the
reservations and the ledger rows, unless the holder already has reservations. Should a row hold less
than planned, fewer rows come back and the attempt re-runs on fresh numbers.

A retried reserve for the same holder (a saga step run twice) must not hold twice. Two such attempts
lock the same stock rows, so the second waits until the first commits; its write statement starts after
that with a fresh snapshot, sees the first's reservations and writes nothing, and the attempt answers
them. The holder check therefore costs no extra round trip on the common path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Integer, Text

from mercato.db.unit_of_work import Tx
from mercato.inventory.domain import (
    Destination,
    Reservation,
    ReservationStatus,
    WarehouseStock,
    merge_lines,
    plan_allocation,
    same_lines,
)
from mercato.inventory.services.reservation_rows import RESERVATION_COLUMNS, holder_reservations, reservation_from_row
from mercato.inventory.services.retry import TRANSIENT, UNIQUE_VIOLATION, RetryMove, with_retries
from mercato.inventory.services.stock_events import LockedStock, emit_crossings, emit_reservations, lock_sku_stock
from mercato.kernel.errors import Conflict, OutOfStock, ValidationFailed
from mercato.kernel.ids import new_id

_HOLD_STOCK = text(
    f"""
    WITH alloc AS (
        SELECT * FROM unnest(
            CAST(:ids AS text[]), CAST(:sku_ids AS text[]), CAST(:warehouse_ids AS text[]), CAST(:qtys AS integer[])
        ) AS a(id, sku_id, warehouse_id, qty)
        WHERE NOT EXISTS (SELECT 1 FROM reservations WHERE holder = :holder)
    ), held AS (
        UPDATE inventory i SET reserved = i.reserved + a.qty, updated_at = :now
        FROM alloc a
        WHERE i.sku_id = a.sku_id AND i.warehouse_id = a.warehouse_id AND i.on_hand - i.reserved >= a.qty
        RETURNING i.sku_id, i.warehouse_id
    ), ledger AS (
        INSERT INTO inventory_ledger
            (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason, reference, actor, created_at)
        SELECT a.sku_id, a.warehouse_id, 'reserve', 0, a.qty, :reason, a.id, :holder, :now
        FROM alloc a JOIN held h USING (sku_id, warehouse_id)
    )
    INSERT INTO reservations (id, sku_id, warehouse_id, holder, qty, status, expires_at, created_at, updated_at)
    SELECT a.id, a.sku_id, a.warehouse_id, :holder, a.qty, 'active', :expires_at, :now, :now
    FROM alloc a JOIN held h USING (sku_id, warehouse_id)
    RETURNING {RESERVATION_COLUMNS}
    """
).bindparams(
    bindparam("ids", type_=ARRAY(Text)),
    bindparam("sku_ids", type_=ARRAY(Text)),
    bindparam("warehouse_ids", type_=ARRAY(Text)),
    bindparam("qtys", type_=ARRAY(Integer)),
)


def _validated(lines: Iterable[tuple[str, int]], holder: str, ttl_seconds: int) -> dict[str, int]:
    if not holder:
        raise ValidationFailed("a reservation needs a holder", field="holder")
    if ttl_seconds <= 0:
        raise ValidationFailed("ttl_seconds must be positive", field="ttl_seconds")
    line_list = list(lines)
    if not line_list:
        raise ValidationFailed("nothing to reserve", field="lines")
    if any(qty <= 0 for _, qty in line_list):
        raise ValidationFailed("every line needs a positive qty", field="lines")
    return merge_lines(line_list)


class _Replay(Exception):
    """Leaves the attempt (and its savepoint, rolled back: it wrote nothing) with the holder's reservations."""

    def __init__(self, reservations: list[Reservation]) -> None:
        self.reservations = reservations


async def _replay_if_held(conn: AsyncConnection, holder: str, wanted: dict[str, int]) -> None:
    """A holder reserves once; the same request again (a retried saga step) answers what it holds, and
    anything else for a holder that already reserved is a Conflict."""
    existing = await holder_reservations(conn, holder=holder)
    if not existing:
        return
    if all(r.status is ReservationStatus.ACTIVE for r in existing) and same_lines(existing, wanted):
        raise _Replay(existing)
    raise Conflict("this holder already has reservations for other lines, or they are no longer held")


async def reserve_stock(
    tx: Tx,
    *,
    lines: Iterable[tuple[str, int]],
    holder: str,
    ttl_seconds: int,
    now: datetime,
    destination_country: str | None = None,
    destination_region: str | None = None,
) -> list[Reservation]:
    """Hold `qty` units of every `(sku_id, qty)` line for `holder` until now + ttl, or raise OutOfStock
    (with the short `skus`) and hold nothing. Idempotent per holder: the same lines again return the same
    reservations. Warehouses are chosen by the destination (region, then country) and priority; a line
    may be split across warehouses when no single one can cover it."""
    wanted = _validated(lines, holder, ttl_seconds)
    destination = Destination(country=destination_country, region=destination_region)
    expires_at = now + timedelta(seconds=ttl_seconds)
    conn = tx.conn

    async def attempt() -> tuple[list[Reservation], LockedStock]:
        locked = await lock_sku_stock(conn, wanted, only_available=True)
        plan = plan_allocation(
            wanted,
            [
                WarehouseStock(r.sku_id, r.warehouse_id, r.available, r.country, r.region, r.priority)
                for r in locked.rows
            ],
            destination,
        )
        if not plan.complete:
            await _replay_if_held(conn, holder, wanted)  # a replay must not fail once its own hold used the stock
            raise OutOfStock("not enough stock for every line", skus=list(plan.short_skus))
        allocations = plan.allocations
        rows = await conn.execute(
            _HOLD_STOCK,
            {
                "ids": [new_id("reservation") for _ in allocations],
                "sku_ids": [a.sku_id for a in allocations],
                "warehouse_ids": [a.warehouse_id for a in allocations],
                "qtys": [a.qty for a in allocations],
                "holder": holder,
                "reason": "reserved for checkout",
                "expires_at": expires_at,
                "now": now,
            },
        )
        held = sorted((reservation_from_row(r) for r in rows), key=lambda r: r.id)
        if not held:
            await _replay_if_held(conn, holder, wanted)
        if len(held) != len(allocations):
            raise RetryMove
        return held, locked

    try:
        # A unique violation means a racing attempt for the same holder (with other lines) won; the retry
        # then finds its reservations.
        held, locked = await with_retries(conn, attempt, retry_on=TRANSIENT | {UNIQUE_VIOLATION})
    except _Replay as replay:
        return replay.reservations
    merchants = locked.merchants()
    emit_reservations(tx, held, event_type="reservation.created", merchants=merchants)
    taken: dict[str, int] = {}
    for r in held:
        taken[r.sku_id] = taken.get(r.sku_id, 0) - r.qty
    await emit_crossings(tx, before=locked.available(), change=taken, merchants=merchants)
    return held
