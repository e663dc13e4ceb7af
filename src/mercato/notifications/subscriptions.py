"""'Notify me' subscriptions: a customer asks to be told once when an out-of-stock SKU is back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import sku_snapshots
from mercato.db.unit_of_work import Tx
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of, new_id
from mercato.notifications.tables import stock_subscriptions as ss


@dataclass(frozen=True, slots=True)
class StockSubscription:
    id: str
    sku_id: str
    created_at: str
    notified_at: str | None


def _from_row(row: object) -> StockSubscription:
    notified = row.notified_at  # type: ignore[attr-defined]
    return StockSubscription(
        id=row.id,  # type: ignore[attr-defined]
        sku_id=row.sku_id,  # type: ignore[attr-defined]
        created_at=rfc3339(row.created_at),  # type: ignore[attr-defined]
        notified_at=rfc3339(notified) if notified else None,
    )


async def subscribe_back_in_stock(tx: Tx, *, user_id: str, sku_id: str) -> tuple[StockSubscription, bool]:
    """Subscribe the customer to the SKU's next restock; returns the subscription and whether it is new
    (asking twice keeps the one waiting subscription). An unknown SKU is a 404."""
    if not is_id_of("sku", sku_id) or sku_id not in await sku_snapshots(tx.conn, [sku_id]):
        raise NotFound("no such SKU")
    statement = (
        insert(ss)
        .values(id=new_id("stock_subscription"), user_id=user_id, sku_id=sku_id)
        .on_conflict_do_nothing(index_elements=[ss.c.sku_id, ss.c.user_id], index_where=ss.c.notified_at.is_(None))
        .returning(ss)
    )
    created = (await tx.conn.execute(statement)).one_or_none()
    if created is not None:
        return _from_row(created), True
    existing = (
        await tx.conn.execute(
            select(ss).where(ss.c.sku_id == sku_id, ss.c.user_id == user_id, ss.c.notified_at.is_(None))
        )
    ).one()
    return _from_row(existing), False


async def unsubscribe_back_in_stock(tx: Tx, *, user_id: str, sku_id: str) -> None:
    """Cancel the customer's waiting subscription; 404 when there is none."""
    if not is_id_of("sku", sku_id):
        raise NotFound("no such subscription")
    result = await tx.conn.execute(
        delete(ss).where(ss.c.sku_id == sku_id, ss.c.user_id == user_id, ss.c.notified_at.is_(None))
    )
    if not result.rowcount:
        raise NotFound("no such subscription")


async def take_waiting_subscribers(conn: AsyncConnection, *, sku_id: str, now: datetime) -> list[str]:
    """Mark every waiting subscription of the SKU notified and return the customers to tell (one-shot)."""
    rows = await conn.execute(
        update(ss)
        .where(ss.c.sku_id == sku_id, ss.c.notified_at.is_(None))
        .values(notified_at=now)
        .returning(ss.c.user_id)
    )
    return sorted(r.user_id for r in rows)
