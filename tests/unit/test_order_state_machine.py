"""The order and shipment state machines, exhaustively against the issue's transition list."""

from __future__ import annotations

import itertools

import pytest

from mercato.kernel.errors import InvalidTransition
from mercato.orders.domain import (
    OrderEvent,
    OrderState,
    ShipmentEvent,
    ShipmentState,
    Totals,
    next_order_state,
    next_shipment_state,
    order_event_for_shipments,
)

S, E = OrderState, OrderEvent
ALLOWED = {
    (S.CREATED, E.CONFIRM): S.CONFIRMED,
    (S.CONFIRMED, E.SHIP): S.SHIPPED,
    (S.SHIPPED, E.DELIVER): S.DELIVERED,
    (S.CREATED, E.CANCEL): S.CANCELED,
    (S.CONFIRMED, E.CANCEL): S.CANCELED,
    (S.SHIPPED, E.REFUND): S.REFUNDED,
    (S.DELIVERED, E.REFUND): S.REFUNDED,
}


def test_every_state_event_pair_is_allowed_exactly_as_the_issue_says() -> None:
    for state, event in itertools.product(OrderState, OrderEvent):
        if (state, event) in ALLOWED:
            assert next_order_state(state, event) is ALLOWED[(state, event)]
        else:
            with pytest.raises(InvalidTransition):
                next_order_state(state, event)


def test_terminal_states_accept_nothing_but_refund_after_delivery() -> None:
    for event in OrderEvent:
        with pytest.raises(InvalidTransition):
            next_order_state(S.CANCELED, event)
        with pytest.raises(InvalidTransition):
            next_order_state(S.REFUNDED, event)


def test_shipments_ship_then_deliver_and_cancel_only_while_pending() -> None:
    assert next_shipment_state(ShipmentState.PENDING, ShipmentEvent.SHIP) is ShipmentState.SHIPPED
    assert next_shipment_state(ShipmentState.SHIPPED, ShipmentEvent.DELIVER) is ShipmentState.DELIVERED
    assert next_shipment_state(ShipmentState.PENDING, ShipmentEvent.CANCEL) is ShipmentState.CANCELED
    for state, event in [
        (ShipmentState.SHIPPED, ShipmentEvent.CANCEL),
        (ShipmentState.PENDING, ShipmentEvent.DELIVER),
        (ShipmentState.DELIVERED, ShipmentEvent.SHIP),
    ]:
        with pytest.raises(InvalidTransition):
            next_shipment_state(state, event)


def test_order_ships_with_its_first_shipment_and_delivers_with_its_last() -> None:
    P, SH, D, C = ShipmentState.PENDING, ShipmentState.SHIPPED, ShipmentState.DELIVERED, ShipmentState.CANCELED
    assert order_event_for_shipments(S.CONFIRMED, [P, P]) is None
    assert order_event_for_shipments(S.CONFIRMED, [SH, P]) is E.SHIP
    assert order_event_for_shipments(S.SHIPPED, [D, SH]) is None
    assert order_event_for_shipments(S.SHIPPED, [D, D]) is E.DELIVER
    assert order_event_for_shipments(S.SHIPPED, [D, C]) is E.DELIVER


def test_total_is_subtotal_plus_shipping_plus_tax_minus_discount() -> None:
    assert Totals(subtotal=10_000, shipping_total=500, tax_total=825, discount_total=1_000).total == 10_325
