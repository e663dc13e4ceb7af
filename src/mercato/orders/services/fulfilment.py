"""After the sale: shipping a shipment captures its money; cancelling gives stock and money back.

The PSP is never called inside a database transaction. Shipping captures first (under a key derived
from the shipment, so a retried or concurrent 'ship' cannot capture twice) and then records the
shipment as shipped; cancelling records the cancellation and returns the stock in one transaction,
then voids the authorization (idempotently; a failure there is retried by `settle_canceled_orders`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.inventory import return_stock
from mercato.kernel.errors import DomainError, InvalidTransition, NotFound
from mercato.kernel.ids import is_id_of
from mercato.orders.domain import OrderEvent, OrderState, ShipmentEvent, ShipmentState
from mercato.orders.services.transitions import apply_order_event, move_shipment
from mercato.orders.tables import order_items, orders, shipments
from mercato.payments import PaymentView, ProviderRegistry, capture_payment, get_payment_by_checkout, void_payment

logger = structlog.get_logger("mercato.orders")


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """What fulfilment needs: the database, the PSPs, the clock's now."""

    engine: AsyncEngine
    psp: ProviderRegistry


async def payment_of_order(conn: AsyncConnection, order_id: str) -> PaymentView | None:
    checkout_id = (await conn.execute(select(orders.c.checkout_id).where(orders.c.id == order_id))).scalar_one()
    return await get_payment_by_checkout(conn, checkout_id=checkout_id) if checkout_id else None


async def _shipment(conn: AsyncConnection, shipment_id: str, merchant_id: str | None) -> Any:
    if not is_id_of("shipment", shipment_id):
        raise NotFound("no such shipment")
    query = select(shipments).where(shipments.c.id == shipment_id)
    if merchant_id is not None:
        query = query.where(shipments.c.merchant_id == merchant_id)
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise NotFound("no such shipment")
    return row


async def _shipment_amount(conn: AsyncConnection, shipment: Any) -> int:
    items_total = (
        await conn.execute(
            select(func.coalesce(func.sum(order_items.c.total), 0)).where(order_items.c.shipment_id == shipment.id)
        )
    ).scalar_one()
    return int(items_total) + int(shipment.shipping)


async def _others_pending(conn: AsyncConnection, shipment: Any) -> int:
    return int(
        (
            await conn.execute(
                select(func.count()).where(
                    and_(
                        shipments.c.order_id == shipment.order_id,
                        shipments.c.id != shipment.id,
                        shipments.c.status == ShipmentState.PENDING.value,
                    )
                )
            )
        ).scalar_one()
    )


async def ship_shipment(
    f: Fulfilment,
    *,
    shipment_id: str,
    merchant_id: str | None,
    carrier: str,
    tracking_number: str,
    actor: str,
) -> str:
    """Capture the shipment's amount (items, their tax, its shipping), mark it shipped; return the order id."""
    async with f.engine.connect() as conn:
        shipment = await _shipment(conn, shipment_id, merchant_id)
        if shipment.status != ShipmentState.PENDING.value:
            raise InvalidTransition(f"a shipment that is {shipment.status} cannot ship")
        order_status = (
            await conn.execute(select(orders.c.status).where(orders.c.id == shipment.order_id))
        ).scalar_one()
        if order_status not in (OrderState.CONFIRMED.value, OrderState.SHIPPED.value):
            raise InvalidTransition(f"an order that is {order_status} cannot ship")
        amount = await _shipment_amount(conn, shipment)
        final = await _others_pending(conn, shipment) == 0
        payment = await payment_of_order(conn, shipment.order_id)
    if payment is not None and amount > 0:
        await capture_payment(
            f.engine,
            f.psp,
            payment_id=payment.id,
            amount=amount,
            final=final,
            idempotency_key=f"capture:{shipment_id}",
        )
    async with unit_of_work(f.engine) as tx:
        await move_shipment(
            tx,
            shipment_id=shipment_id,
            event=ShipmentEvent.SHIP,
            actor=actor,
            merchant_id=merchant_id,
            carrier=carrier,
            tracking_number=tracking_number,
        )
    return str(shipment.order_id)


async def deliver_shipment(f: Fulfilment, *, shipment_id: str, merchant_id: str | None, actor: str) -> str:
    """Mark a shipped shipment delivered (the order is delivered when all its live shipments are)."""
    async with unit_of_work(f.engine) as tx:
        move = await move_shipment(
            tx, shipment_id=shipment_id, event=ShipmentEvent.DELIVER, actor=actor, merchant_id=merchant_id
        )
    return move.order_id


async def capture_digital_shipments(f: Fulfilment, *, order_id: str, actor: str) -> None:
    """Digital goods are captured at once and delivered on the spot (called right after checkout)."""
    async with f.engine.connect() as conn:
        digital = [
            row.id
            for row in await conn.execute(
                select(shipments.c.id).where(
                    and_(
                        shipments.c.order_id == order_id,
                        shipments.c.status == ShipmentState.PENDING.value,
                        shipments.c.id.in_(
                            select(order_items.c.shipment_id)
                            .where(order_items.c.order_id == order_id)
                            .group_by(order_items.c.shipment_id)
                            .having(func.bool_and(order_items.c.digital))
                        ),
                    )
                )
            )
        ]
    for shipment_id in digital:
        await ship_shipment(
            f, shipment_id=shipment_id, merchant_id=None, carrier="digital", tracking_number=shipment_id, actor=actor
        )
        await deliver_shipment(f, shipment_id=shipment_id, merchant_id=None, actor=actor)


async def _cancel_pending(tx: Tx, *, order_id: str, merchant_id: str | None, reason: str, now: datetime) -> int:
    """Cancel the pending shipments (of one merchant, or all) and put their units back on hand."""
    query = select(shipments).where(
        and_(shipments.c.order_id == order_id, shipments.c.status == ShipmentState.PENDING.value)
    )
    if merchant_id is not None:
        query = query.where(shipments.c.merchant_id == merchant_id)
    pending = list(await tx.conn.execute(query.order_by(shipments.c.id).with_for_update()))
    for shipment in pending:
        await tx.conn.execute(
            update(shipments)
            .where(and_(shipments.c.id == shipment.id, shipments.c.status == ShipmentState.PENDING.value))
            .values(status=ShipmentState.CANCELED.value, updated_at=func.now())
        )
        if shipment.warehouse_id is None:
            continue
        items = await tx.conn.execute(select(order_items).where(order_items.c.shipment_id == shipment.id))
        for item in items:
            await return_stock(
                tx,
                sku_id=item.sku_id,
                warehouse_id=shipment.warehouse_id,
                qty=item.qty,
                reason=f"order canceled: {reason}",
                reference=order_id,
                now=now,
            )
    return len(pending)


async def cancel_order(
    f: Fulfilment, *, order_id: str, user_id: str | None, actor: str, reason: str, now: datetime
) -> None:
    """The customer (or an admin, `user_id` None) cancels a whole order that has not shipped."""
    if not is_id_of("order", order_id):
        raise NotFound("no such order")
    async with unit_of_work(f.engine) as tx:
        query = select(orders.c.id).where(orders.c.id == order_id)
        if user_id is not None:
            query = query.where(orders.c.user_id == user_id)
        if (await tx.conn.execute(query)).first() is None:
            raise NotFound("no such order")
        await apply_order_event(tx, order_id=order_id, event=OrderEvent.CANCEL, actor=actor, reason=reason)
        await _cancel_pending(tx, order_id=order_id, merchant_id=None, reason=reason, now=now)
    await settle_payment_of_canceled(f, order_id=order_id)


async def cancel_merchant_part(
    f: Fulfilment, *, order_id: str, merchant_id: str, actor: str, reason: str, now: datetime
) -> None:
    """A merchant cancels its unshipped part; the order is canceled when nothing of it is left live."""
    if not is_id_of("order", order_id):
        raise NotFound("no such order")
    async with unit_of_work(f.engine) as tx:
        owns = await tx.conn.execute(
            select(shipments.c.id).where(and_(shipments.c.order_id == order_id, shipments.c.merchant_id == merchant_id))
        )
        if owns.first() is None:
            raise NotFound("no such order")
        status = (
            await tx.conn.execute(select(orders.c.status).where(orders.c.id == order_id).with_for_update())
        ).scalar_one()
        if status not in (OrderState.CONFIRMED.value, OrderState.SHIPPED.value):
            raise InvalidTransition(f"an order that is {status} has nothing left to cancel")
        if await _cancel_pending(tx, order_id=order_id, merchant_id=merchant_id, reason=reason, now=now) == 0:
            raise InvalidTransition("none of your shipments in this order is still unshipped")
        live = (
            await tx.conn.execute(
                select(func.count()).where(
                    and_(shipments.c.order_id == order_id, shipments.c.status != ShipmentState.CANCELED.value)
                )
            )
        ).scalar_one()
        if live == 0:
            await apply_order_event(tx, order_id=order_id, event=OrderEvent.CANCEL, actor=actor, reason=reason)
    await settle_payment_of_canceled(f, order_id=order_id)


async def settle_payment_of_canceled(f: Fulfilment, *, order_id: str) -> None:
    """Release the authorization of an order with nothing left to ship and nothing captured.

    A partly captured payment keeps its remainder until the PSP's authorization lapses (the payments
    context cannot void after a capture); that is logged, not hidden.
    """
    async with f.engine.connect() as conn:
        pending = (
            await conn.execute(
                select(func.count()).where(
                    and_(shipments.c.order_id == order_id, shipments.c.status == ShipmentState.PENDING.value)
                )
            )
        ).scalar_one()
        payment = await payment_of_order(conn, order_id)
    if pending or payment is None:
        return
    if payment.amount_captured == 0 and payment.status == "authorized":
        try:
            await void_payment(f.engine, f.psp, payment_id=payment.id)
        except DomainError:
            logger.warning("void_after_cancel_failed", order_id=order_id, payment_id=payment.id)
    elif payment.status == "partially_captured":
        logger.info("authorization_remainder_left_to_lapse", order_id=order_id, payment_id=payment.id)


async def settle_canceled_orders(f: Fulfilment, *, batch: int = 50) -> int:
    """Worker job: retry releasing authorizations of canceled orders (a void that failed at cancel time)."""
    async with f.engine.connect() as conn:
        ids = [
            r.id
            for r in await conn.execute(
                select(orders.c.id)
                .where(orders.c.status == OrderState.CANCELED.value)
                .order_by(orders.c.updated_at.desc())
                .limit(batch)
            )
        ]
    settled = 0
    for order_id in ids:
        async with f.engine.connect() as conn:
            payment = await payment_of_order(conn, order_id)
        if payment is not None and payment.status == "authorized":
            await settle_payment_of_canceled(f, order_id=order_id)
            settled += 1
    return settled
