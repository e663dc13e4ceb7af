"""`GET /v1/merchant/slis`: the caller's merchant's own figures over a window."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from mercato.events.slis.service import StuckAges, merchant_slis
from mercato.http.deps import ContainerDep, MerchantStaff, ReadConn
from mercato.http.problems import openapi_problems

router = APIRouter(prefix="/v1/merchant", tags=["merchant SLIs"], responses=openapi_problems(401, 403, 422))


class SlisResponse(BaseModel):
    object: Literal["merchant_slis"] = "merchant_slis"
    merchant_id: str
    window: str
    window_start: str
    window_end: str
    cart_adds: int
    checkouts_started: int
    checkouts_failed: int
    orders: int
    orders_canceled: int
    orders_refunded: int
    checkout_conversion_rate: float | None
    authorizations_succeeded: int
    authorizations_failed: int
    authorization_success_rate: float | None
    captures_succeeded: int
    captures_failed: int
    capture_success_rate: float | None
    reservations_committed: int
    reservations_released: int
    reservations_expired: int
    reserve_to_commit_rate: float | None
    reservation_expiry_rate: float | None
    oversell_incidents: int
    stuck_orders: int
    psp_latency_p95_ms: float | None
    tax_latency_p95_ms: float | None


@router.get("/slis", response_model=SlisResponse)
async def read_slis(staff: MerchantStaff, conn: ReadConn, container: ContainerDep, window: str = "24h") -> SlisResponse:
    """Funnel, payment success, reservation conversion, oversell, stuck orders and PSP/tax latency for the
    window (`1h`, `24h` or `7d`; default 24h). Rates are null when nothing happened in the window."""
    assert staff.merchant_id is not None
    settings = container.settings
    slis = await merchant_slis(
        conn,
        merchant_id=staff.merchant_id,
        window=window,
        now=container.clock.now(),
        stuck=StuckAges(
            open_orders=timedelta(seconds=settings.stuck_order_age_seconds),
            shipped_orders=timedelta(seconds=settings.stuck_shipped_order_age_seconds),
        ),
    )
    return SlisResponse(**slis.as_dict())
