"""The manual review queue: what reconciliation could not settle on its own, for an administrator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.kernel.errors import InvalidTransition, NotFound
from mercato.kernel.ids import is_id_of, new_id
from mercato.payments.tables import payment_reviews

REASONS = (
    "unresolved_attempt",  # a PSP outcome stayed unknown after every automatic try
    "stray_authorization",  # an authorization no order needs could not be voided
    "amount_mismatch",  # the PSP authorized another amount or currency than asked
    "authorization_expired",  # an order's authorization expired before it was fully captured
    "unknown_psp_payment",  # a webhook about a PSP payment Mercato has no record of
)
RESOLUTIONS = ("resolved_at_psp", "refunded_manually", "voided_manually", "no_action_needed")


@dataclass(frozen=True, slots=True)
class Review:
    """One item of the queue."""

    id: str
    payment_id: str
    attempt_id: str | None
    provider: str | None
    psp_reference: str | None
    reason: str
    detail: str
    status: str
    resolution: str | None
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime


def _review(row: Any) -> Review:
    return Review(**{name: getattr(row, name) for name in Review.__dataclass_fields__})


async def open_review(
    conn: AsyncConnection,
    *,
    payment_id: str,
    reason: str,
    detail: str,
    attempt_id: str | None = None,
    provider: str | None = None,
    psp_reference: str | None = None,
) -> bool:
    """Queue a problem for review unless the same problem is already open; returns whether it was new."""
    dedupe_key = f"{reason}:{attempt_id or psp_reference or payment_id}"
    result = await conn.execute(
        insert(payment_reviews)
        .values(
            id=new_id("payment_review"),
            payment_id=payment_id,
            attempt_id=attempt_id,
            provider=provider,
            psp_reference=psp_reference,
            reason=reason,
            detail=detail,
            dedupe_key=dedupe_key,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"], index_where=payment_reviews.c.status == "open")
    )
    return bool(result.rowcount)


async def close_reviews_for_attempt(conn: AsyncConnection, *, attempt_id: str) -> None:
    """Reconciliation settled an attempt after all: its open review needs no one any more."""
    await conn.execute(
        update(payment_reviews)
        .where(payment_reviews.c.attempt_id == attempt_id, payment_reviews.c.status == "open")
        .values(status="resolved", resolution="resolved_automatically", resolved_at=func.now(), updated_at=func.now())
    )


async def list_reviews(
    conn: AsyncConnection, *, status: str | None, limit: int, after: tuple[datetime, str] | None
) -> list[Review]:
    """Reviews oldest first (the queue's order), keyset-paged by (created_at, id)."""
    query = select(payment_reviews)
    if status:
        query = query.where(payment_reviews.c.status == status)
    if after:
        created, review_id = after
        query = query.where(
            or_(
                payment_reviews.c.created_at > created,
                and_(payment_reviews.c.created_at == created, payment_reviews.c.id > review_id),
            )
        )
    rows = await conn.execute(query.order_by(payment_reviews.c.created_at, payment_reviews.c.id).limit(limit))
    return [_review(row) for row in rows]


async def resolve_review(
    conn: AsyncConnection, *, review_id: str, resolution: str, note: str | None, admin_id: str
) -> Review:
    """Close an open review with what the administrator did; a closed one is an invalid transition."""
    if not is_id_of("payment_review", review_id):
        raise NotFound(f"no payment review {review_id}")
    row = (
        await conn.execute(
            update(payment_reviews)
            .where(payment_reviews.c.id == review_id, payment_reviews.c.status == "open")
            .values(
                status="resolved",
                resolution=resolution,
                note=note,
                resolved_by=admin_id,
                resolved_at=func.now(),
                updated_at=func.now(),
            )
            .returning(payment_reviews)
        )
    ).first()
    if row is not None:
        return _review(row)
    exists = await conn.scalar(select(payment_reviews.c.id).where(payment_reviews.c.id == review_id))
    if exists is None:
        raise NotFound(f"no payment review {review_id}")
    raise InvalidTransition("this review is already resolved")
