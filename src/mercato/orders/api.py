"""HTTP routes of the orders context: customers' orders and merchants' share of them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field, ValidationError

from mercato.db.unit_of_work import unit_of_work
from mercato.http.deps import AnyPrincipal, ContainerDep, MerchantStaff, ReadConn
from mercato.http.idempotency import idempotency_key_of, run_idempotently
from mercato.http.schema_base import RequestBody
from mercato.kernel.errors import InvalidWebhookSignature, NotFound, ValidationFailed
from mercato.kernel.paging import DEFAULT_LIMIT
from mercato.kernel.signatures import verify
from mercato.orders.services.carrier_tracking import deliver_by_tracking
from mercato.orders.services.fulfilment import (
    Fulfilment,
    cancel_merchant_part,
    cancel_order,
    deliver_shipment,
    ship_shipment,
)
from mercato.orders.services.refunds import create_refund
from mercato.orders.services.views import (
    list_customer_orders,
    list_merchant_orders,
    merchant_order_view,
    order_view,
)

router = APIRouter(prefix="/v1", tags=["orders"])
merchant_router = APIRouter(prefix="/v1/merchant", tags=["merchant orders"])

Limit = Annotated[int, Query(ge=1, le=100)]


@router.get("/orders", summary="The signed-in customer's orders, newest first")
async def list_orders(
    principal: AnyPrincipal,
    conn: ReadConn,
    container: ContainerDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the caller's own orders."""
    return await list_customer_orders(
        conn, user_id=principal.user_id, limit=limit, cursor=cursor, cursors=container.cursors
    )


@router.get("/orders/{order_id}", summary="One order (its customer or an admin)")
async def get_order(order_id: str, principal: AnyPrincipal, conn: ReadConn) -> dict[str, Any]:
    """The order; anyone but its customer or an admin gets 404."""
    return await order_view(conn, order_id=order_id, user_id=None if principal.is_admin else principal.user_id)


@merchant_router.get("/orders", summary="Orders holding the merchant's items, each showing only its part")
async def list_my_merchant_orders(
    staff: MerchantStaff,
    conn: ReadConn,
    container: ContainerDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the merchant's orders."""
    assert staff.merchant_id is not None
    return await list_merchant_orders(
        conn, merchant_id=staff.merchant_id, limit=limit, cursor=cursor, cursors=container.cursors
    )


@merchant_router.get("/orders/{order_id}", summary="The merchant's part of one order")
async def get_merchant_order(order_id: str, staff: MerchantStaff, conn: ReadConn) -> dict[str, Any]:
    """The merchant's items, shipments and share of the totals; other merchants' orders are 404."""
    assert staff.merchant_id is not None
    return await merchant_order_view(conn, order_id=order_id, merchant_id=staff.merchant_id)


webhook_router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class CarrierScan(RequestBody):
    """A carrier's tracking event; only deliveries change Mercato's state."""

    tracking_number: str = Field(min_length=1, max_length=100)
    event: Literal["in_transit", "out_for_delivery", "delivered"]


@webhook_router.post("/carriers/{carrier}", summary="Carrier tracking webhook (signed)")
async def carrier_webhook(carrier: str, request: Request, container: ContainerDep) -> dict[str, Any]:
    """Verify the `Mercato-Carrier-Signature` header, then apply the scan; deliveries deliver the shipment."""
    secret = container.settings.carrier_webhook_secrets.get(carrier)
    if secret is None:
        raise NotFound("no such carrier")
    body = await request.body()
    header = request.headers.get("mercato-carrier-signature", "")
    if not verify(secret, header, body, now=int(container.clock.now().timestamp())):
        raise InvalidWebhookSignature("the carrier signature is missing, wrong or stale")
    try:
        scan = CarrierScan.model_validate_json(body)
    except ValidationError as exc:
        raise ValidationFailed("the tracking event is not valid", errors=_errors(exc)) from exc
    if scan.event != "delivered":
        return {"received": True, "status": None}
    async with unit_of_work(container.engine) as tx:
        status = await deliver_by_tracking(tx, carrier=carrier, tracking_number=scan.tracking_number)
    return {"received": True, "status": status}


def _errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": "body." + ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]


def _fulfilment(container: Any) -> Fulfilment:
    return Fulfilment(engine=container.engine, psp=container.psp)


class CancelRequest(RequestBody):
    """Why the order is canceled."""

    reason: str | None = Field(default=None, max_length=500)


class MerchantCancelRequest(RequestBody):
    """Why the merchant cancels its unshipped part."""

    reason: str = Field(min_length=1, max_length=500)


class ShipRequest(RequestBody):
    """The carrier and its tracking number."""

    carrier: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(min_length=1, max_length=100)


class RefundRequest(RequestBody):
    """A refund: an amount, or whole items; `restock` puts refunded items' units back on hand."""

    amount: int | None = Field(default=None, ge=1)
    items: list[str] | None = Field(default=None, min_length=1, max_length=200)
    restock: bool = False
    reason: str = Field(min_length=1, max_length=500)


@router.post("/orders/{order_id}/cancel", summary="Cancel an order that has not shipped (voids the payment)")
async def cancel_my_order(
    order_id: str, principal: AnyPrincipal, container: ContainerDep, body: CancelRequest | None = None
) -> dict[str, Any]:
    """Cancel the whole order while no shipment has shipped; stock goes back, the authorization is released."""
    user_id = None if principal.is_admin else principal.user_id
    reason = (body.reason if body else None) or "canceled by the customer"
    await cancel_order(
        _fulfilment(container),
        order_id=order_id,
        user_id=user_id,
        actor=principal.user_id,
        reason=reason,
        now=container.clock.now(),
    )
    async with container.engine.connect() as conn:
        return await order_view(conn, order_id=order_id, user_id=user_id)


@merchant_router.post("/shipments/{shipment_id}/ship", summary="Ship a shipment (captures its amount)")
async def ship(shipment_id: str, body: ShipRequest, staff: MerchantStaff, container: ContainerDep) -> dict[str, Any]:
    """Capture the shipment's items, tax and shipping, then mark it shipped with its tracking number."""
    order_id = await ship_shipment(
        _fulfilment(container),
        shipment_id=shipment_id,
        merchant_id=staff.merchant_id,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        actor=staff.user_id,
    )
    async with container.engine.connect() as conn:
        assert staff.merchant_id is not None
        return await merchant_order_view(conn, order_id=order_id, merchant_id=staff.merchant_id)


@merchant_router.post("/shipments/{shipment_id}/deliver", summary="Mark a shipment delivered")
async def deliver(shipment_id: str, staff: MerchantStaff, container: ContainerDep) -> dict[str, Any]:
    """Delivered; the order is delivered when all its live shipments are."""
    order_id = await deliver_shipment(
        _fulfilment(container), shipment_id=shipment_id, merchant_id=staff.merchant_id, actor=staff.user_id
    )
    async with container.engine.connect() as conn:
        assert staff.merchant_id is not None
        return await merchant_order_view(conn, order_id=order_id, merchant_id=staff.merchant_id)


@merchant_router.post("/orders/{order_id}/cancel", summary="Cancel the merchant's unshipped part of an order")
async def cancel_my_part(
    order_id: str, body: MerchantCancelRequest, staff: MerchantStaff, container: ContainerDep
) -> dict[str, Any]:
    """Cancel the merchant's pending shipments; stock goes back; the order is canceled if nothing is left."""
    assert staff.merchant_id is not None
    await cancel_merchant_part(
        _fulfilment(container),
        order_id=order_id,
        merchant_id=staff.merchant_id,
        actor=staff.user_id,
        reason=body.reason,
        now=container.clock.now(),
    )
    async with container.engine.connect() as conn:
        return await merchant_order_view(conn, order_id=order_id, merchant_id=staff.merchant_id)


@merchant_router.post(
    "/orders/{order_id}/refunds", status_code=201, summary="Refund captured money (Idempotency-Key required)"
)
async def refund(
    order_id: str, body: RefundRequest, request: Request, staff: MerchantStaff, container: ContainerDep
) -> Response:
    """Full or partial refund of what the merchant's shipped part captured; over-refund is a 409."""
    key = idempotency_key_of(request, required=True)
    assert key is not None and staff.merchant_id is not None
    merchant_id = staff.merchant_id

    async def run() -> tuple[int, Any]:
        view = await create_refund(
            _fulfilment(container),
            order_id=order_id,
            merchant_id=merchant_id,
            amount=body.amount,
            item_ids=body.items,
            restock=body.restock,
            reason=body.reason,
            key=key,
            actor=staff.user_id,
            now=container.clock.now(),
        )
        return 201, view

    return await run_idempotently(
        engine=container.engine,
        clock=container.clock,
        scope=staff.user_id,
        key=key,
        method="POST",
        path=f"/v1/merchant/orders/{order_id}/refunds",
        body=await request.body(),
        handler=run,
    )
