"""Reading reservations: the row shape every reservation statement returns, and the lookup by holder."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.inventory.domain import Reservation, ReservationStatus
from mercato.inventory.tables import reservations

# The columns every statement that hands reservations back RETURNs, in this order.
RESERVATION_COLUMNS = "id, sku_id, warehouse_id, holder, qty, status, expires_at, created_at"


def reservation_from_row(row: Any) -> Reservation:
    """A Reservation from a row carrying RESERVATION_COLUMNS."""
    return Reservation(
        id=row.id,
        sku_id=row.sku_id,
        warehouse_id=row.warehouse_id,
        holder=row.holder,
        qty=row.qty,
        status=ReservationStatus(row.status),
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


async def holder_reservations(conn: AsyncConnection, *, holder: str) -> list[Reservation]:
    """Every reservation a holder has ever had, in id order (for replays, recovery and tests)."""
    rows = await conn.execute(
        select(
            reservations.c.id,
            reservations.c.sku_id,
            reservations.c.warehouse_id,
            reservations.c.holder,
            reservations.c.qty,
            reservations.c.status,
            reservations.c.expires_at,
            reservations.c.created_at,
        )
        .where(reservations.c.holder == holder)
        .order_by(reservations.c.id)
    )
    return [reservation_from_row(r) for r in rows]
