"""Create a confirmed order with its price snapshots and shipments, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from mercato.db.unit_of_work import Tx
from mercato.orders.domain import OrderState, Totals
from mercato.orders.tables import order_history, order_items, orders, shipments


@dataclass(frozen=True, slots=True)
class NewOrderItem:
    """One line as bought: a price snapshot that later catalog changes never touch."""

    id: str
    sku_id: str
    product_id: str
    merchant_id: str
    name: str
    qty: int
    unit_price: int
    tax: int
    discount: int
    digital: bool

    @property
    def total(self) -> int:
        """What the customer pays for this line, tax included, discount taken off."""
        return self.unit_price * self.qty + self.tax - self.discount


@dataclass(frozen=True, slots=True)
class NewShipment:
    """One merchant's parcel from one warehouse (warehouse None for digital goods)."""

    id: str
    merchant_id: str
    warehouse_id: str | None
    shipping: int
    items: list[NewOrderItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NewOrder:
    """Everything the checkout saga decided, ready to be written in one transaction."""

    id: str
    user_id: str
    checkout_id: str
    currency: str
    totals: Totals
    tax_estimated: bool
    coupon_code: str | None
    shipping_address: dict[str, Any]
    shipments: list[NewShipment]


async def create_confirmed_order(tx: Tx, *, order: NewOrder, actor: str) -> None:
    """Insert the order (created → confirmed), items, shipments and history; emit `order.confirmed`."""
    t = order.totals
    await tx.conn.execute(
        insert(orders).values(
            id=order.id,
            user_id=order.user_id,
            checkout_id=order.checkout_id,
            status=OrderState.CONFIRMED.value,
            currency=order.currency,
            subtotal=t.subtotal,
            shipping_total=t.shipping_total,
            tax_total=t.tax_total,
            discount_total=t.discount_total,
            total=t.total,
            tax_estimated=order.tax_estimated,
            coupon_code=order.coupon_code,
            shipping_address=order.shipping_address,
        )
    )
    await tx.conn.execute(
        insert(shipments),
        [
            {
                "id": s.id,
                "order_id": order.id,
                "merchant_id": s.merchant_id,
                "warehouse_id": s.warehouse_id,
                "shipping": s.shipping,
            }
            for s in order.shipments
        ],
    )
    await tx.conn.execute(
        insert(order_items),
        [
            {
                "id": i.id,
                "order_id": order.id,
                "shipment_id": s.id,
                "sku_id": i.sku_id,
                "product_id": i.product_id,
                "merchant_id": i.merchant_id,
                "name": i.name,
                "qty": i.qty,
                "unit_price": i.unit_price,
                "tax": i.tax,
                "discount": i.discount,
                "total": i.total,
                "digital": i.digital,
            }
            for s in order.shipments
            for i in s.items
        ],
    )
    await tx.conn.execute(
        insert(order_history),
        [
            {"order_id": order.id, "from_status": None, "to_status": OrderState.CREATED.value, "actor": actor},
            {
                "order_id": order.id,
                "from_status": OrderState.CREATED.value,
                "to_status": OrderState.CONFIRMED.value,
                "actor": actor,
                "reason": "payment authorized",
            },
        ],
    )
    tx.emit(
        aggregate="order",
        aggregate_id=order.id,
        event_type="order.confirmed",
        payload=_confirmed_payload(order),
    )


def _confirmed_payload(order: NewOrder) -> dict[str, Any]:
    """The `order.confirmed` payload of docs/events.md: items with names, shipments and each merchant's
    share, so notifications and merchant webhooks need nothing else (each merchant sees its own part)."""
    t = order.totals
    shares: dict[str, dict[str, int]] = {}
    for s in order.shipments:
        share = shares.setdefault(s.merchant_id, {"subtotal": 0, "shipping_total": 0, "tax_total": 0, "total": 0})
        share["shipping_total"] += s.shipping
        share["total"] += s.shipping
        for i in s.items:
            share["subtotal"] += i.unit_price * i.qty
            share["tax_total"] += i.tax
            share["total"] += i.total
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "checkout_id": order.checkout_id,
        "currency": order.currency,
        "subtotal": t.subtotal,
        "shipping_total": t.shipping_total,
        "tax_total": t.tax_total,
        "discount_total": t.discount_total,
        "total": t.total,
        "tax_estimated": order.tax_estimated,
        "merchant_ids": sorted(shares),
        "items": [
            {
                "order_item_id": i.id,
                "sku_id": i.sku_id,
                "product_id": i.product_id,
                "merchant_id": i.merchant_id,
                "name": i.name,
                "qty": i.qty,
                "unit_price": i.unit_price,
                "tax": i.tax,
                "total": i.total,
                "shipment_id": s.id,
            }
            for s in order.shipments
            for i in s.items
        ],
        "shipments": [
            {"shipment_id": s.id, "merchant_id": s.merchant_id, "warehouse_id": s.warehouse_id, "shipping": s.shipping}
            for s in order.shipments
        ],
        "merchant_totals": [{"merchant_id": m, **share} for m, share in sorted(shares.items())],
        "shipping_address": order.shipping_address,
    }
