"""Reading orders: the customer's whole order, and a merchant's share of one (its items, shipments, totals).

An order that is not the caller's answers exactly like one that does not exist (NotFound), so ids
leak nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, Select, and_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import InvalidCursor, NotFound
from mercato.kernel.ids import is_id_of
from mercato.kernel.paging import CursorCodec, check_limit, list_envelope
from mercato.orders.domain import Totals
from mercato.orders.tables import order_history, order_items, orders, shipments
from mercato.payments import get_payment_by_checkout


def _item_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "sku_id": row.sku_id,
        "product_id": row.product_id,
        "merchant_id": row.merchant_id,
        "name": row.name,
        "qty": row.qty,
        "unit_price": row.unit_price,
        "tax": row.tax,
        "discount": row.discount,
        "total": row.total,
        "digital": row.digital,
    }


def _shipment_view(row: Any, items: list[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "object": "shipment",
        "merchant_id": row.merchant_id,
        "warehouse_id": row.warehouse_id,
        "status": row.status,
        "carrier": row.carrier,
        "tracking_number": row.tracking_number,
        "shipping": row.shipping,
        "items": [{"order_item_id": i.id, "sku_id": i.sku_id, "qty": i.qty} for i in items if i.shipment_id == row.id],
        "shipped_at": rfc3339(row.shipped_at) if row.shipped_at else None,
        "delivered_at": rfc3339(row.delivered_at) if row.delivered_at else None,
    }


# The order with its items, shipments and history in one statement (each as a JSON array of its rows, in id
# order): one round trip instead of four for every customer view, the checkout's answer included.
_WHOLE_ORDER = text(
    """
    SELECT o.*,
        (SELECT coalesce(json_agg(i ORDER BY i.id), '[]') FROM order_items i WHERE i.order_id = o.id) AS items,
        (SELECT coalesce(json_agg(s ORDER BY s.id), '[]') FROM shipments s WHERE s.order_id = o.id) AS ships,
        (SELECT coalesce(json_agg(h ORDER BY h.id), '[]') FROM order_history h WHERE h.order_id = o.id) AS history
    FROM orders o WHERE o.id = :id
    """
).columns(items=JSON, ships=JSON, history=JSON)

_TIMESTAMPS = ("shipped_at", "delivered_at", "at", "created_at", "updated_at")


def _rows(records: list[dict[str, Any]]) -> list[SimpleNamespace]:
    """JSON rows as attribute rows like the table reads give, with their timestamps parsed back."""
    for record in records:
        for name in _TIMESTAMPS:
            if isinstance(record.get(name), str):
                record[name] = datetime.fromisoformat(record[name])
    return [SimpleNamespace(**record) for record in records]


async def _load(
    conn: AsyncConnection, order_id: str, merchant_id: str | None, *, order: Any = None
) -> tuple[Any, list[Any], list[Any], list[Any]]:
    """The order row (unless the caller read it already), its items, shipments and history."""
    if order is None:
        order = (await conn.execute(select(orders).where(orders.c.id == order_id))).one()
    item_q = select(order_items).where(order_items.c.order_id == order_id).order_by(order_items.c.id)
    ship_q = select(shipments).where(shipments.c.order_id == order_id).order_by(shipments.c.id)
    if merchant_id is not None:
        item_q = item_q.where(order_items.c.merchant_id == merchant_id)
        ship_q = ship_q.where(shipments.c.merchant_id == merchant_id)
    items = list(await conn.execute(item_q))
    ships = list(await conn.execute(ship_q))
    history = list(
        await conn.execute(
            select(order_history).where(order_history.c.order_id == order_id).order_by(order_history.c.id)
        )
    )
    return order, items, ships, history


def _history_view(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {"from": h.from_status, "to": h.to_status, "actor": h.actor, "reason": h.reason, "at": rfc3339(h.at)}
        for h in rows
    ]


async def order_view(conn: AsyncConnection, *, order_id: str, user_id: str | None) -> dict[str, Any]:
    """The whole order; `user_id` None means an admin (any order), otherwise the owner only."""
    if not is_id_of("order", order_id):
        raise NotFound("no such order")
    order = (await conn.execute(_WHOLE_ORDER, {"id": order_id})).first()
    if order is None or (user_id is not None and order.user_id != user_id):
        raise NotFound("no such order")
    items, ships, history = (_rows(order.items), _rows(order.ships), _rows(order.history))
    return {
        "id": order.id,
        "object": "order",
        "status": order.status,
        "user_id": order.user_id,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "shipping_total": order.shipping_total,
        "tax_total": order.tax_total,
        "discount_total": order.discount_total,
        "total": order.total,
        "tax_estimated": order.tax_estimated,
        "coupon_code": order.coupon_code,
        "items": [_item_view(i) for i in items],
        "shipments": [_shipment_view(s, items) for s in ships],
        "payment": await _payment_summary(conn, order.checkout_id),
        "shipping_address": order.shipping_address,
        "history": _history_view(history),
        "created_at": rfc3339(order.created_at),
        "updated_at": rfc3339(order.updated_at),
    }


async def _payment_summary(conn: AsyncConnection, checkout_id: str | None) -> dict[str, Any] | None:
    """What the customer needs to know of the payment (amounts in the order's currency)."""
    payment = await get_payment_by_checkout(conn, checkout_id=checkout_id) if checkout_id else None
    if payment is None:
        return None
    return {
        "id": payment.id,
        "status": payment.status,
        "amount_authorized": payment.amount_authorized,
        "amount_captured": payment.amount_captured,
        "amount_refunded": payment.amount_refunded,
    }


async def merchant_order_view(conn: AsyncConnection, *, order_id: str, merchant_id: str) -> dict[str, Any]:
    """One merchant's part of an order: its items and shipments and its share of the totals."""
    if not is_id_of("order", order_id):
        raise NotFound("no such order")
    owns = select(order_items.c.id).where(
        and_(order_items.c.order_id == order_id, order_items.c.merchant_id == merchant_id)
    )
    if (await conn.execute(owns.limit(1))).first() is None:
        raise NotFound("no such order")
    order, items, ships, history = await _load(conn, order_id, merchant_id)
    share = Totals(
        subtotal=sum(i.unit_price * i.qty for i in items),
        shipping_total=sum(s.shipping for s in ships),
        tax_total=sum(i.tax for i in items),
        discount_total=sum(i.discount for i in items),
    )
    return {
        "id": order.id,
        "object": "merchant_order",
        "status": order.status,
        "currency": order.currency,
        "subtotal": share.subtotal,
        "shipping_total": share.shipping_total,
        "tax_total": share.tax_total,
        "discount_total": share.discount_total,
        "total": share.total,
        "items": [_item_view(i) for i in items],
        "shipments": [_shipment_view(s, items) for s in ships],
        "shipping_address": order.shipping_address,
        "history": _history_view(history),
        "created_at": rfc3339(order.created_at),
    }


async def _newest_first(
    conn: AsyncConnection,
    *,
    query: Select[Any],
    scope: str,
    limit: int,
    cursor: str | None,
    cursors: CursorCodec,
    view: Callable[[str], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """A keyset page of `query`'s orders, newest first, each rendered by `view`."""
    check_limit(limit)
    if cursor:
        created, last_id = cursors.decode(scope, cursor)
        query = query.where(tuple_(orders.c.created_at, orders.c.id) < tuple_(_ts(created), last_id))
    rows = list(await conn.execute(query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    items = [await view(r.id) for r in page]
    more = len(rows) > limit
    next_cursor = cursors.encode(scope, [page[-1].created_at.isoformat(), page[-1].id]) if more else None
    return list_envelope(items, next_cursor)


async def list_customer_orders(
    conn: AsyncConnection, *, user_id: str, limit: int, cursor: str | None, cursors: CursorCodec
) -> dict[str, Any]:
    """The customer's orders, newest first, keyset-paged."""

    async def view(order_id: str) -> dict[str, Any]:
        return await order_view(conn, order_id=order_id, user_id=user_id)

    query = select(orders.c.id, orders.c.created_at).where(orders.c.user_id == user_id)
    return await _newest_first(
        conn, query=query, scope="orders:customer", limit=limit, cursor=cursor, cursors=cursors, view=view
    )


async def list_merchant_orders(
    conn: AsyncConnection, *, merchant_id: str, limit: int, cursor: str | None, cursors: CursorCodec
) -> dict[str, Any]:
    """Orders holding any of the merchant's items, newest first, each showing only the merchant's part."""

    async def view(order_id: str) -> dict[str, Any]:
        return await merchant_order_view(conn, order_id=order_id, merchant_id=merchant_id)

    query = select(orders.c.id, orders.c.created_at).where(
        orders.c.id.in_(select(order_items.c.order_id).where(order_items.c.merchant_id == merchant_id))
    )
    return await _newest_first(
        conn, query=query, scope="orders:merchant", limit=limit, cursor=cursor, cursors=cursors, view=view
    )


def _ts(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor("the cursor is not one this API issued") from exc
