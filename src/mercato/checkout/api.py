"""`POST /v1/checkout`: the saga behind an Idempotency-Key and the per-customer rate limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.schemas import CheckoutRequest
from mercato.checkout.service import check_out
from mercato.db.unit_of_work import single_statements
from mercato.http.deps import ContainerDep, Customer
from mercato.http.idempotency import idempotency_key_of, run_idempotently
from mercato.orders import Fulfilment, capture_digital_shipments, order_view

router = APIRouter(prefix="/v1", tags=["checkout"])


@router.post(
    "/checkout",
    status_code=status.HTTP_201_CREATED,
    summary="Check out a cart: validate, reserve, price, authorize, confirm",
    responses={
        400: {"description": "idempotency-key-missing"},
        402: {"description": "payment-declined (with decline_code)"},
        409: {"description": "out-of-stock (with skus), price-changed (with prices), request-in-progress"},
        422: {"description": "validation-error, coupon-invalid, invalid-payment-method, idempotency-key-reused"},
        429: {"description": "rate-limited (Retry-After)"},
        503: {"description": "payment-unavailable (retryable, Retry-After)"},
    },
)
async def checkout(body: CheckoutRequest, request: Request, customer: Customer, container: ContainerDep) -> Response:
    """Place the order. The same Idempotency-Key and body replay the first answer, even while it runs."""
    key = idempotency_key_of(request, required=True)
    assert key is not None
    deps = CheckoutDeps(
        engine=container.engine,
        clock=container.clock,
        psp=container.psp,
        tax=container.tax,
        shipping=container.shipping,
        reservation_ttl=timedelta(seconds=container.settings.reservation_ttl_seconds),
    )

    async def place() -> tuple[int, Any]:
        await container.checkout_rate_limit.hit(customer.user_id)
        placed = await check_out(deps, user_id=customer.user_id, idempotency_key=key, request=body.model_dump())
        if placed.has_digital:
            await capture_digital_shipments(
                Fulfilment(engine=container.engine, psp=container.psp), order_id=placed.order_id, actor=customer.user_id
            )
        async with single_statements(container.engine) as conn:
            return 201, await order_view(conn, order_id=placed.order_id, user_id=customer.user_id)

    return await run_idempotently(
        engine=container.engine,
        clock=container.clock,
        scope=customer.user_id,
        key=key,
        method="POST",
        path="/v1/checkout",
        body=await request.body(),
        handler=place,
    )
