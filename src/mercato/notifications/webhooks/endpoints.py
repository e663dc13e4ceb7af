"""Merchant webhook endpoints: register, list, change, delete, and rotate the signing secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.events import MERCHANT_EVENT_TYPES
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import NotFound, ValidationFailed
from mercato.kernel.ids import is_id_of, new_id
from mercato.notifications.tables import webhook_endpoints as we
from mercato.notifications.webhooks.signing import new_secret

ALL_EVENTS = "*"
MAX_OVERLAP = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    description: str | None
    event_types: list[str]
    status: str
    created_at: str
    updated_at: str
    previous_secret_expires_at: str | None
    secret: str | None = None  # only right after creation or rotation


def _from_row(row: Any, *, with_secret: bool = False, now: datetime | None = None) -> Endpoint:
    overlap = row.previous_secret_expires_at
    return Endpoint(
        id=row.id,
        url=row.url,
        description=row.description,
        event_types=list(row.event_types),
        status=row.status,
        created_at=rfc3339(row.created_at),
        updated_at=rfc3339(row.updated_at),
        previous_secret_expires_at=rfc3339(overlap) if overlap and (now is None or overlap > now) else None,
        secret=row.secret if with_secret else None,
    )


def check_url(url: str, *, require_https: bool) -> str:
    """An absolute http(s) URL with a host; https only when the deployment requires it (production)."""
    parts = urlsplit(url)
    allowed = ("https",) if require_https else ("http", "https")
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationFailed(f"url must be an absolute {' or '.join(allowed)} URL", field="body.url")
    return url


def check_event_types(event_types: list[str]) -> list[str]:
    """Catalogued merchant event types, or "*" for all of them; duplicates removed, order kept."""
    unknown = [t for t in event_types if t != ALL_EVENTS and t not in MERCHANT_EVENT_TYPES]
    if not event_types or unknown:
        raise ValidationFailed(
            f"unknown event types: {', '.join(unknown)}" if unknown else "choose at least one event type",
            field="body.event_types",
        )
    return list(dict.fromkeys(event_types))


async def create_endpoint(
    tx: Tx, *, merchant_id: str, url: str, event_types: list[str], description: str | None, require_https: bool
) -> Endpoint:
    """Register an endpoint; the answer carries its signing secret (shown again only on rotation)."""
    row = (
        await tx.conn.execute(
            we.insert()
            .values(
                id=new_id("webhook_endpoint"),
                merchant_id=merchant_id,
                url=check_url(url, require_https=require_https),
                description=description,
                event_types=check_event_types(event_types),
                secret=new_secret(),
            )
            .returning(we)
        )
    ).one()
    return _from_row(row, with_secret=True)


async def _owned(conn: AsyncConnection, merchant_id: str, endpoint_id: str, *, lock: bool = False) -> Any:
    if not is_id_of("webhook_endpoint", endpoint_id):
        raise NotFound("no such webhook endpoint")
    query = select(we).where(we.c.id == endpoint_id, we.c.merchant_id == merchant_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise NotFound("no such webhook endpoint")
    return row


async def get_endpoint(conn: AsyncConnection, *, merchant_id: str, endpoint_id: str, now: datetime) -> Endpoint:
    """One of the merchant's endpoints (another merchant's is a 404)."""
    return _from_row(await _owned(conn, merchant_id, endpoint_id), now=now)


async def list_endpoints(
    conn: AsyncConnection, *, merchant_id: str, limit: int, after: tuple[str, str] | None, now: datetime
) -> tuple[list[Endpoint], tuple[str, str] | None]:
    """The merchant's endpoints, oldest first, keyset-paged by (created_at, id)."""
    query = select(we).where(we.c.merchant_id == merchant_id)
    if after is not None:
        at, last_id = datetime.fromisoformat(after[0]), after[1]
        query = query.where(or_(we.c.created_at > at, and_(we.c.created_at == at, we.c.id > last_id)))
    rows = (await conn.execute(query.order_by(we.c.created_at, we.c.id).limit(limit + 1))).all()
    page = rows[:limit]
    cursor = (page[-1].created_at.isoformat(), page[-1].id) if len(rows) > limit else None
    return [_from_row(r, now=now) for r in page], cursor


async def update_endpoint(
    tx: Tx, *, merchant_id: str, endpoint_id: str, changes: dict[str, Any], require_https: bool, now: datetime
) -> Endpoint:
    """Change url, description, event types or status (enabled/disabled)."""
    await _owned(tx.conn, merchant_id, endpoint_id)
    values = dict(changes)
    for required in ("url", "event_types", "status"):
        if required in values and values[required] is None:
            raise ValidationFailed(f"{required} cannot be null", field=f"body.{required}")
    if "url" in values:
        values["url"] = check_url(values["url"], require_https=require_https)
    if "event_types" in values:
        values["event_types"] = check_event_types(values["event_types"])
    row = (
        await tx.conn.execute(update(we).where(we.c.id == endpoint_id).values(**values, updated_at=now).returning(we))
    ).one()
    return _from_row(row, now=now)


async def delete_endpoint(tx: Tx, *, merchant_id: str, endpoint_id: str) -> None:
    """Remove an endpoint and its delivery history."""
    await _owned(tx.conn, merchant_id, endpoint_id)
    await tx.conn.execute(delete(we).where(we.c.id == endpoint_id))


async def rotate_secret(tx: Tx, *, merchant_id: str, endpoint_id: str, overlap: timedelta, now: datetime) -> Endpoint:
    """Issue a new secret; the old one keeps signing too (a second `v1=`) until the overlap ends."""
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise ValidationFailed("overlap_seconds must be between 0 and 604800", field="body.overlap_seconds")
    current = await _owned(tx.conn, merchant_id, endpoint_id, lock=True)
    row = (
        await tx.conn.execute(
            update(we)
            .where(we.c.id == endpoint_id)
            .values(
                secret=new_secret(),
                previous_secret=current.secret if overlap else None,
                previous_secret_expires_at=now + overlap if overlap else None,
                updated_at=now,
            )
            .returning(we)
        )
    ).one()
    return _from_row(row, with_secret=True, now=now)
