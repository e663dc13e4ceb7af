"""Merchant refunds of captured money: full or partial, by amount or by items, optionally restocking.

A merchant can refund at most what its shipped shipments captured, less what it already refunded;
money never captured is canceled (the cancel endpoint), not refunded. The refund row is written
before the PSP call and settled after it, and the PSP call is keyed by the refund, so a retry never
refunds twice. When every captured cent of the order is refunded and nothing is left to ship, the
order moves to `refunded`; partial refunds leave the state alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import return_stock
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import Conflict, NotFound, RefundExceedsCaptured, ValidationFailed
from mercato.kernel.ids import is_id_of, new_id
from mercato.orders.domain import OrderEvent, OrderState, ShipmentState
from mercato.orders.services.fulfilment import Fulfilment, payment_of_order
from mercato.orders.services.transitions import apply_order_event
from mercato.orders.tables import order_items, orders, refunds, shipments
from mercato.payments import refund_payment

_SHIPPED = (ShipmentState.SHIPPED.value, ShipmentState.DELIVERED.value)


def refund_view(row: Any) -> dict[str, Any]:
    """A refund as the API shows it."""
    return {
        "id": row.id,
        "object": "refund",
        "order_id": row.order_id,
        "amount": row.amount,
        "currency": row.currency,
        "status": row.status,
        "reason": row.reason,
        "items": row.items,
        "restock": row.restock,
        "created_at": rfc3339(row.created_at),
    }


async def _captured_share(conn: AsyncConnection, order_id: str, merchant_id: str | None) -> int:
    ship_q = select(shipments).where(and_(shipments.c.order_id == order_id, shipments.c.status.in_(_SHIPPED)))
    if merchant_id is not None:
        ship_q = ship_q.where(shipments.c.merchant_id == merchant_id)
    total = 0
    for shipment in await conn.execute(ship_q):
        items = await conn.execute(
            select(func.coalesce(func.sum(order_items.c.total), 0)).where(order_items.c.shipment_id == shipment.id)
        )
        total += int(items.scalar_one()) + int(shipment.shipping)
    return total


async def _refunded(conn: AsyncConnection, order_id: str, merchant_id: str | None) -> int:
    query = select(func.coalesce(func.sum(refunds.c.amount), 0)).where(
        and_(refunds.c.order_id == order_id, refunds.c.status.in_(("pending", "succeeded")))
    )
    if merchant_id is not None:
        query = query.where(refunds.c.merchant_id == merchant_id)
    return int((await conn.execute(query)).scalar_one())


async def create_refund(
    f: Fulfilment,
    *,
    order_id: str,
    merchant_id: str,
    amount: int | None,
    item_ids: list[str] | None,
    restock: bool,
    reason: str,
    key: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Refund captured money of the merchant's part of the order (see the module docstring)."""
    if not is_id_of("order", order_id):
        raise NotFound("no such order")
    refund_id = new_id("refund")
    async with unit_of_work(f.engine) as tx:
        order = (await tx.conn.execute(select(orders).where(orders.c.id == order_id).with_for_update())).one_or_none()
        mine = list(
            await tx.conn.execute(
                select(order_items, shipments.c.status.label("shipment_status"), shipments.c.warehouse_id)
                .join(shipments, shipments.c.id == order_items.c.shipment_id)
                .where(and_(order_items.c.order_id == order_id, order_items.c.merchant_id == merchant_id))
            )
        )
        if order is None or not mine:
            raise NotFound("no such order")
        chosen = mine
        if item_ids:
            by_id = {i.id: i for i in mine}
            unknown = [i for i in item_ids if i not in by_id]
            if unknown:
                raise ValidationFailed("unknown order items for this merchant", field="body.items", items=unknown)
            chosen = [by_id[i] for i in item_ids]
            if any(i.shipment_status not in _SHIPPED for i in chosen):
                raise Conflict("those items were never captured: cancel the unshipped part instead of refunding it")
        available = await _captured_share(tx.conn, order_id, merchant_id) - await _refunded(
            tx.conn, order_id, merchant_id
        )
        wanted = amount if amount is not None else (sum(i.total for i in chosen) if item_ids else available)
        if wanted <= 0:
            raise RefundExceedsCaptured("nothing captured is left to refund", available=available)
        if wanted > available:
            raise RefundExceedsCaptured(
                f"the refund of {wanted} exceeds the {available} captured and not yet refunded", available=available
            )
        payment = await payment_of_order(tx.conn, order_id)
        if payment is None:
            raise Conflict("this order has no payment to refund")
        await tx.conn.execute(
            insert(refunds).values(
                id=refund_id,
                order_id=order_id,
                merchant_id=merchant_id,
                amount=wanted,
                currency=order.currency,
                items=[i.id for i in chosen] if item_ids else [],
                restock=restock,
                reason=reason,
                payment_id=payment.id,
            )
        )
    try:
        await refund_payment(
            f.engine, f.psp, payment_id=payment.id, amount=wanted, idempotency_key=f"refund:{refund_id}"
        )
    except Exception:
        async with unit_of_work(f.engine) as tx:
            await tx.conn.execute(update(refunds).where(refunds.c.id == refund_id).values(status="failed"))
        raise
    async with unit_of_work(f.engine) as tx:
        await tx.conn.execute(
            update(refunds).where(refunds.c.id == refund_id).values(status="succeeded", updated_at=func.now())
        )
        if restock and item_ids:
            for item in chosen:
                if item.warehouse_id is not None and not item.digital:
                    await return_stock(
                        tx,
                        sku_id=item.sku_id,
                        warehouse_id=item.warehouse_id,
                        qty=item.qty,
                        reason=f"refund: {reason}",
                        reference=refund_id,
                        now=now,
                    )
        fully = await _captured_share(tx.conn, order_id, None) <= await _refunded(tx.conn, order_id, None)
        pending = (
            await tx.conn.execute(
                select(func.count()).where(
                    and_(shipments.c.order_id == order_id, shipments.c.status == ShipmentState.PENDING.value)
                )
            )
        ).scalar_one()
        status = (await tx.conn.execute(select(orders.c.status).where(orders.c.id == order_id))).scalar_one()
        tx.emit(
            aggregate="order",
            aggregate_id=order_id,
            event_type="order.refund_created",
            payload={"order_id": order_id, "refund_id": refund_id, "amount": wanted, "merchant_ids": [merchant_id]},
        )
        if fully and pending == 0 and status in (OrderState.SHIPPED.value, OrderState.DELIVERED.value):
            await apply_order_event(tx, order_id=order_id, event=OrderEvent.REFUND, actor=actor, reason=reason)
        row = (await tx.conn.execute(select(refunds).where(refunds.c.id == refund_id))).one()
    return refund_view(row)
