"""Applying order and shipment events: look the edge up in the domain table, write it conditionally,
record who did it and why, and emit the event — all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import InvalidTransition, NotFound
from mercato.kernel.ids import is_id_of
from mercato.orders.domain import (
    OrderEvent,
    OrderState,
    ShipmentEvent,
    ShipmentState,
    next_order_state,
    next_shipment_state,
    order_event_for_shipments,
)
from mercato.orders.tables import order_history, order_items, orders, shipments

_ORDER_EVENT_NAMES = {
    OrderEvent.CONFIRM: "order.confirmed",
    OrderEvent.SHIP: "order.shipped",
    OrderEvent.DELIVER: "order.delivered",
    OrderEvent.CANCEL: "order.canceled",
    OrderEvent.REFUND: "order.refunded",
}


async def _merchant_ids(conn: AsyncConnection, order_id: str) -> list[str]:
    rows = await conn.execute(select(order_items.c.merchant_id).where(order_items.c.order_id == order_id).distinct())
    return sorted(r.merchant_id for r in rows)


async def apply_order_event(
    tx: Tx,
    *,
    order_id: str,
    event: OrderEvent,
    actor: str,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> OrderState:
    """Move the order along `event` or raise InvalidTransition; concurrent movers cannot both win."""
    row = (
        await tx.conn.execute(
            select(orders.c.status, orders.c.user_id).where(orders.c.id == order_id).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no such order")
    current = OrderState(row.status)
    target = next_order_state(current, event)
    await tx.conn.execute(
        update(orders).where(orders.c.id == order_id).values(status=target.value, updated_at=func.now())
    )
    await tx.conn.execute(
        insert(order_history).values(
            order_id=order_id, from_status=current.value, to_status=target.value, actor=actor, reason=reason
        )
    )
    tx.emit(
        aggregate="order",
        aggregate_id=order_id,
        event_type=_ORDER_EVENT_NAMES[event],
        payload={
            "order_id": order_id,
            "user_id": row.user_id,
            "from": current.value,
            "to": target.value,
            "reason": reason,
            "merchant_ids": await _merchant_ids(tx.conn, order_id),
            **(extra or {}),
        },
    )
    return target


@dataclass(frozen=True, slots=True)
class ShipmentMove:
    """What a shipment transition did: the shipment, its order, and the money it stands for."""

    shipment_id: str
    order_id: str
    merchant_id: str
    state: ShipmentState
    amount: int  # items + their tax − discount + the shipment's shipping: what shipping it captures
    digital_only: bool


async def _shipment_for_update(tx: Tx, shipment_id: str, merchant_id: str | None) -> Any:
    if not is_id_of("shipment", shipment_id):
        raise NotFound("no such shipment")
    query = select(shipments).where(shipments.c.id == shipment_id).with_for_update()
    if merchant_id is not None:
        query = query.where(shipments.c.merchant_id == merchant_id)
    row = (await tx.conn.execute(query)).one_or_none()
    if row is None:
        raise NotFound("no such shipment")
    return row


async def _shipment_amount(conn: AsyncConnection, shipment_id: str) -> tuple[int, bool]:
    row = (
        await conn.execute(
            select(func.coalesce(func.sum(order_items.c.total), 0), func.bool_and(order_items.c.digital)).where(
                order_items.c.shipment_id == shipment_id
            )
        )
    ).one()
    return int(row[0]), bool(row[1])


async def _shipment_items(conn: AsyncConnection, shipment_id: str) -> list[dict[str, Any]]:
    """The shipment's lines as events carry them (docs/events.md: shipment.*)."""
    rows = await conn.execute(
        select(order_items.c.id, order_items.c.sku_id, order_items.c.merchant_id, order_items.c.name, order_items.c.qty)
        .where(order_items.c.shipment_id == shipment_id)
        .order_by(order_items.c.id)
    )
    return [
        {"order_item_id": r.id, "sku_id": r.sku_id, "merchant_id": r.merchant_id, "name": r.name, "qty": r.qty}
        for r in rows
    ]


async def move_shipment(
    tx: Tx,
    *,
    shipment_id: str,
    event: ShipmentEvent,
    actor: str,
    merchant_id: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> ShipmentMove:
    """Ship, deliver or cancel one shipment, then move the order if its shipments now say so."""
    row = await _shipment_for_update(tx, shipment_id, merchant_id)
    current = ShipmentState(row.status)
    target = next_shipment_state(current, event)
    values: dict[str, Any] = {"status": target.value, "updated_at": func.now()}
    if event is ShipmentEvent.SHIP:
        values.update(carrier=carrier, tracking_number=tracking_number, shipped_at=func.now())
    elif event is ShipmentEvent.DELIVER:
        values["delivered_at"] = func.now()
    result = await tx.conn.execute(
        update(shipments)
        .where(and_(shipments.c.id == shipment_id, shipments.c.status == current.value))
        .values(**values)
    )
    if result.rowcount != 1:
        raise InvalidTransition("the shipment changed concurrently; retry")
    order_row = (
        await tx.conn.execute(select(orders.c.status, orders.c.user_id).where(orders.c.id == row.order_id))
    ).one()
    order_state = OrderState(order_row.status)
    states = [
        ShipmentState(s)
        for s in (
            await tx.conn.execute(select(shipments.c.status).where(shipments.c.order_id == row.order_id))
        ).scalars()
    ]
    implied = order_event_for_shipments(order_state, states)
    if implied is not None:
        extra: dict[str, Any] = {"shipment_id": shipment_id}
        if event is ShipmentEvent.SHIP:
            extra.update(carrier=carrier, tracking_number=tracking_number)
        await apply_order_event(
            tx, order_id=row.order_id, event=implied, actor=actor, reason=f"shipment {event.value}", extra=extra
        )
    amount, digital_only = await _shipment_amount(tx.conn, shipment_id)
    tx.emit(
        aggregate="order",
        aggregate_id=row.order_id,
        event_type=f"shipment.{target.value}",
        payload={
            "order_id": row.order_id,
            "user_id": order_row.user_id,
            "shipment_id": shipment_id,
            "merchant_ids": [row.merchant_id],
            "carrier": carrier,
            "tracking_number": tracking_number,
            "items": await _shipment_items(tx.conn, shipment_id),
        },
    )
    return ShipmentMove(
        shipment_id=shipment_id,
        order_id=row.order_id,
        merchant_id=row.merchant_id,
        state=target,
        amount=amount + row.shipping,
        digital_only=digital_only,
    )
