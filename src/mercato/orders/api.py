"""HTTP routes of the orders context: customers' orders and merchants' share of them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field, ValidationError

from mercato.db.unit_of_work import unit_of_work
from mercato.http.deps import AnyPrincipal, ContainerDep, MerchantStaff, ReadConn
from mercato.http.schema_base import RequestBody
from mercato.kernel.errors import InvalidWebhookSignature, NotFound, ValidationFailed
from mercato.kernel.paging import DEFAULT_LIMIT
from mercato.kernel.signatures import verify
from mercato.orders.services.carrier_tracking import deliver_by_tracking
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
