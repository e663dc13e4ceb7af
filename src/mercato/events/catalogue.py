"""The event catalogue: every event type, its version, who emits it, its payload schema, and whether
merchants may subscribe to it by webhook. `docs/events.md` is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from mercato.events.payloads import identity_catalog as ic
from mercato.events.payloads import inventory_cart as inv
from mercato.events.payloads import orders_payments as op

ORDER_WIDE_AMOUNTS = ("subtotal", "shipping_total", "tax_total", "discount_total", "total")


@dataclass(frozen=True, slots=True)
class EventType:
    """One kind of event: `name` is `<aggregate>.<event>`, also the NATS subject suffix."""

    name: str
    version: int
    emitted_by: str
    description: str
    payload: type[BaseModel]
    merchant_visible: bool = False
    hidden_from_merchants: tuple[str, ...] = ()

    @property
    def aggregate(self) -> str:
        """The aggregate the event is about (the part before the dot)."""
        return self.name.split(".", 1)[0]


def _t(name: str, payload: type[BaseModel], emitted_by: str, description: str, **kw: Any) -> EventType:
    return EventType(name=name, version=1, emitted_by=emitted_by, description=description, payload=payload, **kw)


_TYPES = (
    _t("user.registered", ic.UserRegistered, "identity", "A customer, staff member or admin account was created."),
    _t("merchant.created", ic.MerchantCreated, "identity", "A merchant was created by an administrator."),
    _t("brand.created", ic.BrandCreated, "catalog", "An administrator created a brand."),
    _t("category.created", ic.CategoryCreated, "catalog", "An administrator created a category."),
    _t("product.created", ic.ProductCreated, "catalog", "A product was created.", merchant_visible=True),
    _t("product.updated", ic.ProductUpdated, "catalog", "A product's fields or images changed.", merchant_visible=True),
    _t("product.archived", ic.ProductArchived, "catalog", "A product was archived.", merchant_visible=True),
    _t("sku.created", ic.SkuCreated, "catalog", "A SKU was created.", merchant_visible=True),
    _t("sku.updated", ic.SkuUpdated, "catalog", "A SKU's price or fields changed.", merchant_visible=True),
    _t("review.created", ic.ReviewCreated, "catalog", "A customer reviewed a product.", merchant_visible=True),
    _t(
        "stock.changed",
        inv.StockChanged,
        "inventory",
        "A stock level was set or adjusted.",
        merchant_visible=True,
    ),
    _t(
        "stock.out_of_stock",
        inv.StockAvailability,
        "inventory",
        "A SKU has no sellable unit left.",
        merchant_visible=True,
    ),
    _t(
        "stock.back_in_stock",
        inv.StockAvailability,
        "inventory",
        "A SKU that had no sellable unit has some again; waiting 'notify me' subscribers are told.",
        merchant_visible=True,
    ),
    _t(
        "stock.oversold",
        inv.StockOversold,
        "inventory",
        "More units were committed than existed (an incident).",
    ),
    _t("reservation.created", inv.ReservationChanged, "inventory", "Stock was reserved for a checkout."),
    _t(
        "reservation.committed",
        inv.ReservationChanged,
        "inventory",
        "Reserved stock was sold (the order exists).",
    ),
    _t(
        "reservation.released",
        inv.ReservationChanged,
        "inventory",
        "Reserved stock went back (failure, cancel).",
    ),
    _t(
        "reservation.expired",
        inv.ReservationChanged,
        "inventory",
        "A reservation's TTL ran out; the sweeper released it.",
    ),
    _t(
        "reservation.expiring",
        inv.ReservationExpiring,
        "checkout",
        "A checkout's held stock expires soon.",
    ),
    _t("warehouse.created", inv.WarehouseCreated, "inventory", "A merchant added a warehouse.", merchant_visible=True),
    _t("cart.created", inv.CartCreated, "cart", "A cart was created (first line added)."),
    _t("cart.claimed", inv.CartClaimed, "cart", "A guest cart was claimed or merged at sign-in."),
    _t("cart.converted", inv.CartConverted, "cart", "A cart became an order."),
    _t("checkout.completed", inv.CheckoutCompleted, "checkout", "A checkout ended with an order."),
    _t(
        "cart.line_added",
        inv.CartLineAdded,
        "cart",
        "A SKU was put in a cart (the funnel's first step).",
    ),
    _t("checkout.started", inv.CheckoutStarted, "checkout", "A customer submitted a checkout."),
    _t(
        "checkout.failed",
        inv.CheckoutFailed,
        "checkout",
        "A checkout ended without an order (after compensation).",
    ),
    _t(
        "order.confirmed",
        op.OrderConfirmed,
        "checkout",
        "An order was created and confirmed (payment authorized, stock committed).",
        merchant_visible=True,
        hidden_from_merchants=ORDER_WIDE_AMOUNTS,
    ),
    _t("order.shipped", op.OrderTransition, "orders", "The order's first shipment shipped.", merchant_visible=True),
    _t(
        "order.delivered",
        op.OrderTransition,
        "orders",
        "Every shipment of the order was delivered.",
        merchant_visible=True,
    ),
    _t("order.canceled", op.OrderTransition, "orders", "The order was canceled.", merchant_visible=True),
    _t("order.refunded", op.OrderTransition, "orders", "The order was refunded in full.", merchant_visible=True),
    _t(
        "order.refund_created",
        op.RefundCreated,
        "orders",
        "A merchant refunded money on its part of the order.",
        merchant_visible=True,
    ),
    _t("shipment.shipped", op.ShipmentMoved, "orders", "A shipment shipped, with tracking.", merchant_visible=True),
    _t("shipment.delivered", op.ShipmentMoved, "orders", "A shipment was delivered.", merchant_visible=True),
    _t("shipment.canceled", op.ShipmentMoved, "orders", "A shipment was canceled.", merchant_visible=True),
    _t("payment.authorized", op.PaymentEvent, "payments", "The PSP authorized a checkout's total."),
    _t(
        "payment.captured",
        op.PaymentEvent,
        "payments",
        "Money was captured (a shipment shipped).",
        merchant_visible=True,
    ),
    _t("payment.voided", op.PaymentEvent, "payments", "An authorization was voided (compensation, cancel)."),
    _t("payment.refunded", op.PaymentEvent, "payments", "Captured money was refunded.", merchant_visible=True),
    _t(
        "payment.authorization_expired",
        op.PaymentEvent,
        "payments",
        "An authorization lapsed at the PSP before it was captured.",
    ),
    _t(
        "payment.failed",
        op.PaymentFailed,
        "payments",
        "A PSP operation was declined or failed.",
        merchant_visible=True,
    ),
)

CATALOGUE: dict[str, EventType] = {t.name: t for t in _TYPES}
MERCHANT_EVENT_TYPES: frozenset[str] = frozenset(t.name for t in _TYPES if t.merchant_visible)


def event_type(name: str) -> EventType | None:
    """The catalogue entry for an event type name, or None if it is not catalogued."""
    return CATALOGUE.get(name)


def validate_payload(name: str, payload: dict[str, Any]) -> list[str]:
    """Problems with `payload` for event type `name` (empty when it conforms); for tests of emitters."""
    entry = CATALOGUE.get(name)
    if entry is None:
        return [f"{name} is not in the event catalogue"]
    try:
        entry.payload.model_validate(payload)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
    return []
