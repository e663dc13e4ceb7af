"""The order and shipment state machines, as tables (state × event → state), and order arithmetic.

Pure: no I/O. Services look transitions up here and apply them with conditional updates, so an
illegal transition is refused here and a concurrent one is refused by the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from mercato.kernel.errors import InvalidTransition


class OrderState(StrEnum):
    """Where an order is in its life."""

    CREATED = "created"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELED = "canceled"
    REFUNDED = "refunded"


class OrderEvent(StrEnum):
    """What can happen to an order."""

    CONFIRM = "confirm"
    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"
    REFUND = "refund"


ORDER_TRANSITIONS: dict[tuple[OrderState, OrderEvent], OrderState] = {
    (OrderState.CREATED, OrderEvent.CONFIRM): OrderState.CONFIRMED,
    (OrderState.CREATED, OrderEvent.CANCEL): OrderState.CANCELED,
    (OrderState.CONFIRMED, OrderEvent.SHIP): OrderState.SHIPPED,
    (OrderState.CONFIRMED, OrderEvent.CANCEL): OrderState.CANCELED,
    (OrderState.SHIPPED, OrderEvent.DELIVER): OrderState.DELIVERED,
    (OrderState.SHIPPED, OrderEvent.REFUND): OrderState.REFUNDED,
    (OrderState.DELIVERED, OrderEvent.REFUND): OrderState.REFUNDED,
}


class ShipmentState(StrEnum):
    """Where one shipment (one merchant's parcel from one warehouse) is."""

    PENDING = "pending"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELED = "canceled"


class ShipmentEvent(StrEnum):
    """What can happen to a shipment."""

    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"


SHIPMENT_TRANSITIONS: dict[tuple[ShipmentState, ShipmentEvent], ShipmentState] = {
    (ShipmentState.PENDING, ShipmentEvent.SHIP): ShipmentState.SHIPPED,
    (ShipmentState.PENDING, ShipmentEvent.CANCEL): ShipmentState.CANCELED,
    (ShipmentState.SHIPPED, ShipmentEvent.DELIVER): ShipmentState.DELIVERED,
}


def next_order_state(state: OrderState, event: OrderEvent) -> OrderState:
    """The state after `event`, or InvalidTransition (409) when the table has no such edge."""
    try:
        return ORDER_TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(f"an order that is {state.value} cannot {event.value}") from None


def next_shipment_state(state: ShipmentState, event: ShipmentEvent) -> ShipmentState:
    """The shipment's state after `event`, or InvalidTransition."""
    try:
        return SHIPMENT_TRANSITIONS[(state, event)]
    except KeyError:
        raise InvalidTransition(f"a shipment that is {state.value} cannot {event.value}") from None


def order_event_for_shipments(order: OrderState, shipments: Iterable[ShipmentState]) -> OrderEvent | None:
    """The order event implied by its shipments: shipped when the first ships, delivered when all live ones are."""
    live = [s for s in shipments if s is not ShipmentState.CANCELED]
    if order is OrderState.CONFIRMED and any(s in (ShipmentState.SHIPPED, ShipmentState.DELIVERED) for s in live):
        return OrderEvent.SHIP
    if order is OrderState.SHIPPED and live and all(s is ShipmentState.DELIVERED for s in live):
        return OrderEvent.DELIVER
    return None


@dataclass(frozen=True, slots=True)
class Totals:
    """An order's (or one merchant's share of an order's) amounts in minor units."""

    subtotal: int
    shipping_total: int
    tax_total: int
    discount_total: int

    @property
    def total(self) -> int:
        """subtotal + shipping + tax − discount, the identity the orders table also CHECKs."""
        return self.subtotal + self.shipping_total + self.tax_total - self.discount_total
