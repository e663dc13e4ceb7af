"""Request and response bodies of the payments API (admin review queue, admin payment view)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mercato.http.schema_base import RequestBody


class ReviewResponse(BaseModel):
    id: str
    object: Literal["payment_review"] = "payment_review"
    payment_id: str
    attempt_id: str | None
    provider: str | None
    psp_reference: str | None
    reason: str
    detail: str
    status: Literal["open", "resolved"]
    resolution: str | None
    note: str | None
    resolved_by: str | None
    resolved_at: str | None
    created_at: str


class ReviewList(BaseModel):
    object: Literal["list"] = "list"
    items: list[ReviewResponse]
    next_cursor: str | None


class ResolveReviewRequest(RequestBody):
    resolution: Literal["resolved_at_psp", "refunded_manually", "voided_manually", "no_action_needed"]
    note: str | None = Field(default=None, max_length=2000)


class AttemptResponse(BaseModel):
    id: str
    object: Literal["payment_attempt"] = "payment_attempt"
    operation: str
    provider: str
    status: str
    amount: int
    psp_reference: str | None
    decline_code: str | None
    error_code: str | None
    latency_ms: int | None
    resolved_by: str | None
    created_at: str


class PaymentResponse(BaseModel):
    id: str
    object: Literal["payment"] = "payment"
    checkout_id: str | None
    order_id: str | None
    status: str
    currency: str
    amount: int
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    provider: str | None
    psp_reference: str | None
    authorization_expires_at: str | None
    created_at: str
    attempts: list[AttemptResponse]


class WebhookReceived(BaseModel):
    received: Literal[True] = True
    outcome: str
