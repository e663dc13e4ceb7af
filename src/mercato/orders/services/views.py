"""Reading orders: the customer's whole order, and a merchant's share of one (its items, shipments, totals).

An order that is not the caller's answers exactly like one that does not exist (NotFound), so ids
leak nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, Select, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import InvalidCursor, NotFound
from mercato.kernel.ids import is_id_of
from mercato.kernel.paging import CursorCodec, check_limit, list_envelope
from mercato.orders.domain import Totals
from mercato.orders.tables import order_items, orders
from mercato.payments import PaymentView, get_payment_by_checkout, get_payments_by_checkouts


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


# Orders with their items, shipments and history in one statement (each as a JSON array of its rows, in
# id order), for one order or a page of them; with a merchant, only that merchant's items and shipments.
# One round trip for a customer's order (the checkout's answer included), a merchant's, or a whole page
# of either, where reading each order's parts apart made a page of 20 orders 40 to 100 round trips.
_ORDERS_WITH_PARTS = text(
    """
    SELECT o.*,
        (SELECT coalesce(json_agg(i ORDER BY i.id), '[]') FROM order_items i
          WHERE i.order_id = o.id AND (CAST(:merchant_id AS text) IS NULL OR i.merchant_id = :merchant_id)) AS items,
        (SELECT coalesce(json_agg(s ORDER BY s.id), '[]') FROM shipments s
          WHERE s.order_id = o.id AND (CAST(:merchant_id AS text) IS NULL OR s.merchant_id = :merchant_id)) AS ships,
        (SELECT coalesce(json_agg(h ORDER BY h.id), '[]') FROM order_history h WHERE h.order_id = o.id) AS history
    FROM orders o WHERE o.id = ANY(CAST(:ids AS text[]))
    """
).columns(items=JSON, ships=JSON, history=JSON)


async def _orders_with_parts(conn: AsyncConnection, ids: list[str], merchant_id: str | None) -> dict[str, Any]:
    """The orders of `ids` that exist, by id, each with its (merchant's) items, shipments and history."""
    rows = await conn.execute(_ORDERS_WITH_PARTS, {"ids": ids, "merchant_id": merchant_id})
    return {row.id: row for row in rows}


_TIMESTAMPS = ("shipped_at", "delivered_at", "at", "created_at", "updated_at")


def _rows(records: list[dict[str, Any]]) -> list[SimpleNamespace]:
    """JSON rows as attribute rows like the table reads give, with their timestamps parsed back."""
    for record in records:
        for name in _TIMESTAMPS:
            if isinstance(record.get(name), str):
                record[name] = datetime.fromisoformat(record[name])
    return [SimpleNamespace(**record) for record in records]


def _history_view(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {"from": h.from_status, "to": h.to_status, "actor": h.actor, "reason": h.reason, "at": rfc3339(h.at)}
        for h in rows
    ]


async def order_view(conn: AsyncConnection, *, order_id: str, user_id: str | None) -> dict[str, Any]:
    """The whole order; `user_id` None means an admin (any order), otherwise the owner only."""
    if not is_id_of("order", order_id):
        raise NotFound("no such order")
    order = (await _orders_with_parts(conn, [order_id], None)).get(order_id)
    if order is None or (user_id is not None and order.user_id != user_id):
        raise NotFound("no such order")
    payment = await get_payment_by_checkout(conn, checkout_id=order.checkout_id) if order.checkout_id else None
    return _customer_view(order, payment)


def _customer_view(order: Any, payment: PaymentView | None) -> dict[str, Any]:
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
        "payment": _payment_summary(payment),
        "shipping_address": order.shipping_address,
        "history": _history_view(history),
        "created_at": rfc3339(order.created_at),
        "updated_at": rfc3339(order.updated_at),
    }


def _payment_summary(payment: PaymentView | None) -> dict[str, Any] | None:
    """What the customer needs to know of the payment (amounts in the order's currency)."""
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
    order = (await _orders_with_parts(conn, [order_id], merchant_id)).get(order_id)
    if order is None or not order.items:  # none of its items are the merchant's: not theirs to see
        raise NotFound("no such order")
    return _merchant_view(order)


def _merchant_view(order: Any) -> dict[str, Any]:
    items, ships, history = (_rows(order.items), _rows(order.ships), _rows(order.history))
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
    views: Callable[[list[str]], Awaitable[list[dict[str, Any]]]],
) -> dict[str, Any]:
    """A keyset page of `query`'s orders, newest first, rendered together by `views` (in page order)."""
    check_limit(limit)
    if cursor:
        created, last_id = cursors.decode(scope, cursor)
        query = query.where(tuple_(orders.c.created_at, orders.c.id) < tuple_(_ts(created), last_id))
    rows = list(await conn.execute(query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    items = await views([r.id for r in page]) if page else []
    more = len(rows) > limit
    next_cursor = cursors.encode(scope, [page[-1].created_at.isoformat(), page[-1].id]) if more else None
    return list_envelope(items, next_cursor)


async def list_customer_orders(
    conn: AsyncConnection, *, user_id: str, limit: int, cursor: str | None, cursors: CursorCodec
) -> dict[str, Any]:
    """The customer's orders, newest first, keyset-paged: three statements whatever the page size."""

    async def views(ids: list[str]) -> list[dict[str, Any]]:
        found = await _orders_with_parts(conn, ids, None)
        checkouts = [order.checkout_id for order in found.values() if order.checkout_id]
        paid = await get_payments_by_checkouts(conn, checkout_ids=checkouts)
        return [_customer_view(found[i], paid.get(found[i].checkout_id)) for i in ids if i in found]

    query = select(orders.c.id, orders.c.created_at).where(orders.c.user_id == user_id)
    return await _newest_first(
        conn, query=query, scope="orders:customer", limit=limit, cursor=cursor, cursors=cursors, views=views
    )


async def list_merchant_orders(
    conn: AsyncConnection, *, merchant_id: str, limit: int, cursor: str | None, cursors: CursorCodec
) -> dict[str, Any]:
    """Orders holding any of the merchant's items, newest first, each showing only the merchant's part:
    two statements whatever the page size."""

    async def views(ids: list[str]) -> list[dict[str, Any]]:
        found = await _orders_with_parts(conn, ids, merchant_id)
        return [_merchant_view(found[i]) for i in ids if i in found]

    query = select(orders.c.id, orders.c.created_at).where(
        orders.c.id.in_(select(order_items.c.order_id).where(order_items.c.merchant_id == merchant_id))
    )
    return await _newest_first(
        conn, query=query, scope="orders:merchant", limit=limit, cursor=cursor, cursors=cursors, views=views
    )


def _ts(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise InvalidCursor("the cursor is not one this API issued") from exc
