"""HTTP routes of payments: the admin review queue and payment view, and the PSP webhook receiver."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request

from mercato.http.deps import Admin, ContainerDep, ReadConn, WriteTx
from mercato.kernel.clock import rfc3339
from mercato.kernel.paging import DEFAULT_LIMIT, check_limit
from mercato.payments.schemas import (
    AttemptResponse,
    PaymentResponse,
    ResolveReviewRequest,
    ReviewList,
    ReviewResponse,
    WebhookReceived,
)
from mercato.payments.services.payments import get_payment, list_attempts
from mercato.payments.services.reviews import Review, list_reviews, resolve_review
from mercato.payments.services.webhooks import receive_psp_webhook

admin_router = APIRouter(prefix="/v1/admin/payments", tags=["admin payments"])
webhook_router = APIRouter(prefix="/v1/webhooks/psp", tags=["psp webhooks"])

_SCOPE = "payment_reviews"


def _iso(value: datetime | None) -> str | None:
    return rfc3339(value) if value else None


def _review(review: Review) -> ReviewResponse:
    return ReviewResponse(
        id=review.id,
        payment_id=review.payment_id,
        attempt_id=review.attempt_id,
        provider=review.provider,
        psp_reference=review.psp_reference,
        reason=review.reason,
        detail=review.detail,
        status=review.status,
        resolution=review.resolution,
        note=review.note,
        resolved_by=review.resolved_by,
        resolved_at=_iso(review.resolved_at),
        created_at=rfc3339(review.created_at),
    )


@admin_router.get("/reviews", response_model=ReviewList)
async def reviews(
    _: Admin,
    conn: ReadConn,
    container: ContainerDep,
    status: Literal["open", "resolved"] | None = "open",
    limit: Annotated[int, Query()] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> ReviewList:
    """The manual review queue, oldest first: what reconciliation could not settle on its own."""
    check_limit(limit)
    after = None
    if cursor:
        created, review_id = container.cursors.decode(f"{_SCOPE}:{status}", cursor)
        after = (datetime.fromisoformat(created), str(review_id))
    page = await list_reviews(conn, status=status, limit=limit + 1, after=after)
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last = page[-1]
        next_cursor = container.cursors.encode(f"{_SCOPE}:{status}", [last.created_at.isoformat(), last.id])
    return ReviewList(items=[_review(r) for r in page], next_cursor=next_cursor)


@admin_router.post("/reviews/{review_id}/resolve", response_model=ReviewResponse)
async def resolve(review_id: str, body: ResolveReviewRequest, admin: Admin, tx: WriteTx) -> ReviewResponse:
    """Close a review with what was done about it (at the PSP's dashboard, by hand)."""
    review = await resolve_review(
        tx.conn, review_id=review_id, resolution=body.resolution, note=body.note, admin_id=admin.user_id
    )
    return _review(review)


@admin_router.get("/{payment_id}", response_model=PaymentResponse)
async def payment(payment_id: str, _: Admin, conn: ReadConn) -> PaymentResponse:
    """A payment with every PSP attempt made for it."""
    view = await get_payment(conn, payment_id=payment_id)
    attempts = await list_attempts(conn, payment_id=payment_id)
    return PaymentResponse(
        id=view.id,
        checkout_id=view.checkout_id,
        order_id=view.order_id,
        status=view.status,
        currency=view.currency,
        amount=view.amount,
        amount_authorized=view.amount_authorized,
        amount_captured=view.amount_captured,
        amount_refunded=view.amount_refunded,
        provider=view.provider,
        psp_reference=view.psp_reference,
        authorization_expires_at=_iso(view.authorization_expires_at),
        created_at=rfc3339(view.created_at),
        attempts=[
            AttemptResponse(**{**a, "created_at": rfc3339(a["created_at"])})  # type: ignore[arg-type]
            for a in attempts
        ],
    )


@webhook_router.post("/{provider}", response_model=WebhookReceived)
async def psp_webhook(
    provider: str,
    request: Request,
    container: ContainerDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookReceived:
    """A PSP's signed event; verified with the provider's signature check and applied once."""
    payload = await request.body()
    outcome = await receive_psp_webhook(
        container.engine, container.psp, provider=provider, payload=payload, signature=stripe_signature
    )
    return WebhookReceived(outcome=outcome)
