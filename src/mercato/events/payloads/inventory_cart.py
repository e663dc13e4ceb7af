"""Payloads of the inventory and cart contexts' events (stock levels, reservations, cart activity)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mercato.events.payloads.base import Payload


class StockChanged(Payload):
    """stock.changed: a stock level was set, received or adjusted by a merchant."""

    sku_id: str
    warehouse_id: str
    merchant_id: str
    on_hand: int
    reserved: int
    available: int
    reason: str


class StockAvailability(Payload):
    """stock.out_of_stock / stock.back_in_stock: the SKU's sellable quantity crossed zero."""

    sku_id: str
    merchant_id: str
    available: int = Field(description="units sellable across all warehouses after the change")


class StockOversold(Payload):
    """stock.oversold: more units were committed than existed. Must never happen; every one is an incident."""

    sku_id: str
    warehouse_id: str
    merchant_id: str
    reference: str | None = Field(default=None, description="the order or checkout involved")
    detail: str


class ReservationChanged(Payload):
    """reservation.created / committed / released / expired."""

    reservation_id: str
    sku_id: str
    warehouse_id: str
    merchant_id: str
    holder: str = Field(description="the checkout (or cart) holding the stock")
    qty: int
    expires_at: str | None = None
    reason: str | None = Field(default=None, description="why it was released (released only)")


class ReservationExpiring(Payload):
    """reservation.expiring: a checkout's held stock runs out soon (the customer is reminded)."""

    checkout_id: str
    user_id: str
    cart_id: str | None = None
    expires_at: str
    merchant_ids: list[str]


class CartLineAdded(Payload):
    """cart.line_added: the top of the checkout funnel."""

    cart_id: str
    user_id: str | None = None
    sku_id: str
    merchant_id: str
    qty: int


class WarehouseCreated(Payload):
    warehouse_id: str
    merchant_id: str


class CartCreated(Payload):
    cart_id: str


class CartClaimed(Payload):
    """A guest cart was taken over (or merged into the customer's) at sign-in."""

    cart_id: str
    guest_cart_id: str
    user_id: str


class CartConverted(Payload):
    cart_id: str
    order_id: str


class CheckoutCompleted(Payload):
    checkout_id: str
    order_id: str
    user_id: str


class CheckoutStarted(Payload):
    checkout_id: str
    user_id: str
    cart_id: str
    currency: str
    merchant_ids: list[str]


class CheckoutFailed(Payload):
    checkout_id: str
    user_id: str
    code: str = Field(description="the problem code the client got: out-of-stock, payment-declined, …")
    stage: Literal["validate", "reserve", "price", "authorize", "confirm"]
    merchant_ids: list[str]
