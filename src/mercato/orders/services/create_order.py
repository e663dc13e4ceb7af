"""Create a confirmed order with its price snapshots and shipments, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.types import Boolean, Integer, Text

from mercato.db.unit_of_work import Tx
from mercato.orders.domain import OrderState, Totals

_TEXT_ARRAYS = (
    "ship_ids",
    "ship_merchants",
    "ship_warehouses",
    "item_ids",
    "item_shipments",
    "item_skus",
    "item_products",
    "item_merchants",
    "item_names",
)
_INT_ARRAYS = ("ship_amounts", "item_qtys", "item_prices", "item_taxes", "item_discounts", "item_totals")


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


# The order, its shipments, its items and its first two history rows in one statement: data-modifying CTEs
# run as one statement, whose foreign-key checks come at its end, so one round trip writes what took four.
_INSERT_ORDER = text(
    """
    WITH new_order AS (
        INSERT INTO orders (id, user_id, checkout_id, status, currency, subtotal, shipping_total, tax_total,
                            discount_total, total, tax_estimated, coupon_code, shipping_address)
        VALUES (:id, :user_id, :checkout_id, :status, :currency, :subtotal, :shipping_total, :tax_total,
                :discount_total, :total, :tax_estimated, :coupon_code, :shipping_address)
        RETURNING id
    ), new_shipments AS (
        INSERT INTO shipments (id, order_id, merchant_id, warehouse_id, shipping)
        SELECT s.id, o.id, s.merchant_id, s.warehouse_id, s.shipping
        FROM new_order o, unnest(
            CAST(:ship_ids AS text[]), CAST(:ship_merchants AS text[]), CAST(:ship_warehouses AS text[]),
            CAST(:ship_amounts AS integer[])
        ) AS s(id, merchant_id, warehouse_id, shipping)
        RETURNING id
    ), new_items AS (
        INSERT INTO order_items (id, order_id, shipment_id, sku_id, product_id, merchant_id, name, qty, unit_price,
                                 tax, discount, total, digital)
        SELECT i.id, o.id, i.shipment_id, i.sku_id, i.product_id, i.merchant_id, i.name, i.qty, i.unit_price,
               i.tax, i.discount, i.total, i.digital
        FROM new_order o, unnest(
            CAST(:item_ids AS text[]), CAST(:item_shipments AS text[]), CAST(:item_skus AS text[]),
            CAST(:item_products AS text[]), CAST(:item_merchants AS text[]), CAST(:item_names AS text[]),
            CAST(:item_qtys AS integer[]), CAST(:item_prices AS integer[]), CAST(:item_taxes AS integer[]),
            CAST(:item_discounts AS integer[]), CAST(:item_totals AS integer[]), CAST(:item_digital AS boolean[])
        ) AS i(id, shipment_id, sku_id, product_id, merchant_id, name, qty, unit_price, tax, discount, total, digital)
        RETURNING id
    )
    INSERT INTO order_history (order_id, from_status, to_status, actor, reason)
    SELECT o.id, h.from_status, h.to_status, :actor, h.reason
    FROM new_order o, (VALUES (1, NULL, :created, NULL), (2, :created, :confirmed, 'payment authorized'))
        AS h(step, from_status, to_status, reason)
    ORDER BY h.step
    """
).bindparams(
    bindparam("shipping_address", type_=JSONB),
    *(bindparam(name, type_=ARRAY(Text)) for name in _TEXT_ARRAYS),
    *(bindparam(name, type_=ARRAY(Integer)) for name in _INT_ARRAYS),
    bindparam("item_digital", type_=ARRAY(Boolean)),
)


async def create_confirmed_order(tx: Tx, *, order: NewOrder, actor: str) -> None:
    """Insert the order (created → confirmed), items, shipments and history; emit `order.confirmed`."""
    items = [(s, i) for s in order.shipments for i in s.items]
    await tx.conn.execute(
        _INSERT_ORDER,
        {
            "id": order.id,
            "status": OrderState.CONFIRMED.value,
            **_money_fields(order),
            "coupon_code": order.coupon_code,
            "shipping_address": order.shipping_address,
            "ship_ids": [s.id for s in order.shipments],
            "ship_merchants": [s.merchant_id for s in order.shipments],
            "ship_warehouses": [s.warehouse_id for s in order.shipments],
            "ship_amounts": [s.shipping for s in order.shipments],
            "item_ids": [i.id for _, i in items],
            "item_shipments": [s.id for s, _ in items],
            "item_skus": [i.sku_id for _, i in items],
            "item_products": [i.product_id for _, i in items],
            "item_merchants": [i.merchant_id for _, i in items],
            "item_names": [i.name for _, i in items],
            "item_qtys": [i.qty for _, i in items],
            "item_prices": [i.unit_price for _, i in items],
            "item_taxes": [i.tax for _, i in items],
            "item_discounts": [i.discount for _, i in items],
            "item_totals": [i.total for _, i in items],
            "item_digital": [i.digital for _, i in items],
            "actor": actor,
            "created": OrderState.CREATED.value,
            "confirmed": OrderState.CONFIRMED.value,
        },
    )
    tx.emit(
        aggregate="order",
        aggregate_id=order.id,
        event_type="order.confirmed",
        payload=_confirmed_payload(order),
    )


def _money_fields(order: NewOrder) -> dict[str, Any]:
    """Who and how much, as both the orders row and the `order.confirmed` payload name them."""
    t = order.totals
    return {
        "user_id": order.user_id,
        "checkout_id": order.checkout_id,
        "currency": order.currency,
        "subtotal": t.subtotal,
        "shipping_total": t.shipping_total,
        "tax_total": t.tax_total,
        "discount_total": t.discount_total,
        "total": t.total,
        "tax_estimated": order.tax_estimated,
    }


def _confirmed_payload(order: NewOrder) -> dict[str, Any]:
    """The `order.confirmed` payload of docs/events.md: items with names, shipments and each merchant's
    share, so notifications and merchant webhooks need nothing else (each merchant sees its own part)."""
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
        **_money_fields(order),
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
