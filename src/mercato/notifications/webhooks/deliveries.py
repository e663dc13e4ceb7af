"""A merchant's view of webhook deliveries: the history of an endpoint, and redelivery on demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of, new_id
from mercato.notifications.tables import webhook_deliveries as wd
from mercato.notifications.webhooks.endpoints import get_endpoint


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None
    redelivery_of: str | None
    created_at: str
    delivered_at: str | None


def _ts(value: datetime | None) -> str | None:
    return rfc3339(value) if value else None


def _from_row(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=_ts(row.next_attempt_at) if row.status == "pending" else None,
        last_attempt_at=_ts(row.last_attempt_at),
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        redelivery_of=row.redelivery_of,
        created_at=rfc3339(row.created_at),
        delivered_at=_ts(row.delivered_at),
    )


async def list_deliveries(
    conn: AsyncConnection,
    *,
    merchant_id: str,
    endpoint_id: str,
    limit: int,
    before: tuple[str, str] | None,
    now: datetime,
) -> tuple[list[Delivery], tuple[str, str] | None]:
    """The endpoint's deliveries, newest first, keyset-paged by (created_at, id)."""
    await get_endpoint(conn, merchant_id=merchant_id, endpoint_id=endpoint_id, now=now)
    query = select(wd).where(wd.c.endpoint_id == endpoint_id)
    if before is not None:
        at, last_id = datetime.fromisoformat(before[0]), before[1]
        query = query.where(or_(wd.c.created_at < at, and_(wd.c.created_at == at, wd.c.id < last_id)))
    rows = (await conn.execute(query.order_by(wd.c.created_at.desc(), wd.c.id.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    cursor = (page[-1].created_at.isoformat(), page[-1].id) if len(rows) > limit else None
    return [_from_row(r) for r in page], cursor


async def redeliver(tx: Tx, *, merchant_id: str, endpoint_id: str, delivery_id: str, now: datetime) -> Delivery:
    """Queue the same body again as a new delivery (its own attempts and 24 h horizon), due now."""
    await get_endpoint(tx.conn, merchant_id=merchant_id, endpoint_id=endpoint_id, now=now)
    if not is_id_of("webhook_delivery", delivery_id):
        raise NotFound("no such delivery")
    original = (
        await tx.conn.execute(select(wd).where(wd.c.id == delivery_id, wd.c.endpoint_id == endpoint_id))
    ).one_or_none()
    if original is None:
        raise NotFound("no such delivery")
    row = (
        await tx.conn.execute(
            wd.insert()
            .values(
                id=new_id("webhook_delivery"),
                endpoint_id=endpoint_id,
                merchant_id=merchant_id,
                event_id=original.event_id,
                event_type=original.event_type,
                body=original.body,
                next_attempt_at=now,
                created_at=now,
                redelivery_of=original.redelivery_of or original.id,
            )
            .returning(wd)
        )
    ).one()
    return _from_row(row)
