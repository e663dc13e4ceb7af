"""Test helpers: emit catalogue-conformant events as the checkout and orders contexts will, and run the
worker's pipeline (fan-out, consumer delivery, senders) by hand under an injected clock."""

from __future__ import annotations

import itertools
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.events import Consumer, ConsumerRegistry, deliver_batch, fan_out, validate_payload
from mercato.kernel.clock import Clock
from mercato.kernel.ids import new_id

_n = itertools.count(1)


async def emit(engine: AsyncEngine, aggregate: str, aggregate_id: str, event_type: str, payload: dict[str, Any]) -> str:
    """Emit one event in its own transaction, refusing payloads that break the documented schema."""
    assert validate_payload(event_type, payload) == [], validate_payload(event_type, payload)
    async with unit_of_work(engine) as tx:
        return tx.emit(aggregate=aggregate, aggregate_id=aggregate_id, event_type=event_type, payload=payload)


async def dispatch(engine: AsyncEngine, consumers: list[Consumer], clock: Clock) -> None:
    """Fan out everything and deliver it to each consumer until nothing is due."""
    registry = ConsumerRegistry(consumers)
    while await fan_out(engine, registry, now=clock.now()):
        pass
    for consumer in consumers:
        after_commit = getattr(consumer, "after_commit", None)
        while (await deliver_batch(engine, consumer, now=clock.now(), on_delivered=after_commit)).claimed:
            pass


def item(merchant_id: str, name: str, qty: int, unit_price: int, **extra: Any) -> dict[str, Any]:
    return {
        "order_item_id": new_id("order_item"),
        "sku_id": new_id("sku"),
        "product_id": new_id("product"),
        "merchant_id": merchant_id,
        "name": name,
        "qty": qty,
        "unit_price": unit_price,
        "tax": 0,
        "total": qty * unit_price,
        **extra,
    }


def order_confirmed(user_id: str, items: list[dict[str, Any]], *, shipping: int = 500) -> dict[str, Any]:
    """An order.confirmed payload as the checkout saga emits it (tax 0, one shipment per merchant)."""
    merchants = sorted({i["merchant_id"] for i in items})
    subtotal = sum(i["total"] for i in items)
    per_merchant = {m: sum(i["total"] for i in items if i["merchant_id"] == m) for m in merchants}
    return {
        "order_id": new_id("order"),
        "user_id": user_id,
        "checkout_id": new_id("checkout"),
        "currency": "usd",
        "subtotal": subtotal,
        "shipping_total": shipping * len(merchants),
        "tax_total": 0,
        "discount_total": 0,
        "total": subtotal + shipping * len(merchants),
        "tax_estimated": False,
        "tax_latency_ms": 12.5,
        "merchant_ids": merchants,
        "items": items,
        "shipments": [{"shipment_id": new_id("shipment"), "merchant_id": m, "shipping": shipping} for m in merchants],
        "merchant_totals": [
            {"merchant_id": m, "subtotal": t, "shipping_total": shipping, "tax_total": 0, "total": t + shipping}
            for m, t in per_merchant.items()
        ],
        "shipping_address": {
            "name": "Casey",
            "line1": "1 Main St",
            "city": "Springfield",
            "region": "IL",
            "postal_code": "62701",
            "country": "US",
            "phone": None,
        },
    }


def shipment_shipped(
    order: dict[str, Any], merchant_id: str, *, tracking: str = "1Z999AA10123456784"
) -> dict[str, Any]:
    """A shipment.shipped payload as `orders.move_shipment` emits it."""
    shipment = next(s for s in order["shipments"] if s["merchant_id"] == merchant_id)
    return {
        "order_id": order["order_id"],
        "user_id": order["user_id"],
        "shipment_id": shipment["shipment_id"],
        "merchant_ids": [merchant_id],
        "carrier": "UPS",
        "tracking_number": tracking,
        "items": [
            {k: i[k] for k in ("order_item_id", "sku_id", "merchant_id", "name", "qty")}
            for i in order["items"]
            if i["merchant_id"] == merchant_id
        ],
    }


def transition(order: dict[str, Any], source: str, target: str, **extra: Any) -> dict[str, Any]:
    """An order.<event> payload as `orders.apply_order_event` emits it."""
    return {
        "order_id": order["order_id"],
        "user_id": order["user_id"],
        "from": source,
        "to": target,
        "reason": None,
        "merchant_ids": order["merchant_ids"],
        **extra,
    }


def insert_sku(database_url: str, *, merchant_id: str, name: str) -> str:
    """A product with one SKU, written straight into the catalog's tables (the catalog API is another
    helper's work; the 'notify me' endpoint only needs the SKU to exist)."""
    n = next(_n)
    ids = {k: new_id(k) for k in ("brand", "category", "product", "sku")}
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO brands (id, slug, name) VALUES (%s, %s, 'Acme')", (ids["brand"], f"acme-{n}-{ids['brand']}")
        )
        conn.execute(
            "INSERT INTO categories (id, slug, name, path) VALUES (%s, %s, 'Mugs', %s)",
            (ids["category"], f"mugs-{ids['category']}", f"mugs-{ids['category']}"),
        )
        conn.execute(
            "INSERT INTO products (id, merchant_id, name, slug, brand_id, category_id, currency)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'usd')",
            (ids["product"], merchant_id, name, f"p-{ids['product']}", ids["brand"], ids["category"]),
        )
        conn.execute(
            "INSERT INTO skus (id, product_id, merchant_id, code, price, currency)"
            " VALUES (%s, %s, %s, %s, 1200, 'usd')",
            (ids["sku"], ids["product"], merchant_id, f"code-{ids['sku']}"),
        )
    return ids["sku"]
