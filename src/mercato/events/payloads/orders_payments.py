"""Payloads of the orders and payments contexts' events (`orders/services/*` emit the order and shipment
events; the payments context and the checkout saga emit the payment events)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mercato.events.payloads.base import MerchantScoped, Payload


class OrderItemRef(BaseModel):
    order_item_id: str
    sku_id: str
    product_id: str | None = None
    merchant_id: str
    name: str
    qty: int
    unit_price: int | None = None
    tax: int | None = None
    total: int | None = Field(default=None, description="unit_price × qty + tax − discount")
    shipment_id: str | None = None


class ShipmentRef(BaseModel):
    shipment_id: str
    merchant_id: str
    warehouse_id: str | None = None
    shipping: int | None = None


class MerchantTotals(BaseModel):
    """One merchant's share of an order's amounts."""

    merchant_id: str
    subtotal: int
    shipping_total: int
    tax_total: int
    total: int


class OrderConfirmed(MerchantScoped):
    order_id: str
    user_id: str
    checkout_id: str | None = None
    currency: str
    subtotal: int
    shipping_total: int
    tax_total: int
    discount_total: int
    total: int
    tax_estimated: bool = False
    tax_latency_ms: float | None = Field(default=None, description="time the tax provider took, for the SLI")
    items: list[OrderItemRef]
    shipments: list[ShipmentRef]
    merchant_totals: list[MerchantTotals]
    shipping_address: dict[str, Any]


class OrderTransition(MerchantScoped):
    """order.shipped / delivered / canceled / refunded: the order moved from one state to another.
    `order.shipped` is emitted once, when the first shipment ships, and names that shipment; every
    shipment's own progress is a `shipment.*` event."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    order_id: str
    user_id: str
    from_: str = Field(alias="from")
    to: str
    reason: str | None = None
    actor: str | None = None
    shipment_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    refund_id: str | None = Field(default=None, description="order.refunded: the refund")
    amount: int | None = Field(default=None, description="order.refunded: minor units refunded")
    currency: str | None = None


class ShipmentItem(BaseModel):
    order_item_id: str
    sku_id: str
    merchant_id: str
    name: str
    qty: int


class ShipmentMoved(MerchantScoped):
    """shipment.shipped / delivered / canceled: one merchant's parcel moved (tracking when shipped)."""

    order_id: str
    user_id: str
    shipment_id: str
    carrier: str | None = None
    tracking_number: str | None = None
    items: list[ShipmentItem]


class PaymentEvent(Payload):
    """payment.authorized / captured / voided / refunded / authorization_expired: the payment after a PSP
    operation (amounts are the payment's running totals)."""

    payment_id: str
    checkout_id: str | None = None
    order_id: str | None = None
    status: str | None = None
    amount: int
    currency: str
    amount_authorized: int | None = None
    amount_captured: int | None = None
    amount_refunded: int | None = None
    provider: str | None = None
    refund_amount: int | None = Field(default=None, description="payment.refunded: this refund's amount")
    merchant_ids: list[str] = Field(
        default_factory=list,
        description="the merchants the payment pays (given by the checkout; empty for a payment made without one)",
    )
    latency_ms: float | None = Field(
        default=None, description="the PSP round trip that caused this event (absent when learnt by webhook)"
    )


class RefundCreated(MerchantScoped):
    """order.refund_created: a merchant refunded (part of) its share of an order."""

    order_id: str
    refund_id: str
    amount: int


class PaymentFailed(PaymentEvent):
    operation: Literal["authorize", "capture", "void", "refund"]
    decline_code: str | None = None
    error_code: str | None = None
