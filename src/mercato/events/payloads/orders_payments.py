"""Payloads of the orders and payments contexts' events (emitted by the checkout saga and order service)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

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
    total: int | None = None
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


class ShippedShipment(BaseModel):
    shipment_id: str
    merchant_id: str
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    items: list[OrderItemRef]


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
    shipping_address: dict[str, str | None]


class OrderShipped(MerchantScoped):
    """Emitted once per shipment that ships; the first one moves the order to `shipped`."""

    order_id: str
    user_id: str
    order_status: str
    shipment: ShippedShipment


class OrderDelivered(MerchantScoped):
    """The last shipment was delivered (the order is `delivered`)."""

    order_id: str
    user_id: str
    delivered_at: str
    shipments: list[ShipmentRef]


class OrderCanceled(MerchantScoped):
    """The order, or the listed items of it (a merchant's unshipped part), was canceled."""

    order_id: str
    user_id: str
    actor: Literal["customer", "merchant", "system", "admin"]
    reason: str | None = None
    order_status: str
    currency: str
    items: list[OrderItemRef]


class OrderRefunded(MerchantScoped):
    """Money was refunded; `order_status` tells whether the order became `refunded` (full) or not (partial)."""

    order_id: str
    user_id: str
    refund_id: str
    amount: int
    currency: str
    reason: str | None = None
    order_status: str
    items: list[OrderItemRef] = Field(default_factory=list)


class PaymentEvent(MerchantScoped):
    """payment.authorized / captured / voided / refunded: a PSP operation that succeeded."""

    payment_id: str
    checkout_id: str | None = None
    order_id: str | None = None
    user_id: str | None = None
    amount: int
    currency: str
    provider: str
    latency_ms: float | None = Field(default=None, description="the PSP round trip, for the PSP latency SLI")
    shipment_id: str | None = None
    refund_id: str | None = None


class PaymentFailed(PaymentEvent):
    operation: Literal["authorize", "capture", "void", "refund"]
    decline_code: str | None = None
    error_code: str | None = None
