"""Orders: the order state machine, shipments, price snapshots and history. Other contexts use only this."""

from mercato.orders.domain import OrderEvent, OrderState, ShipmentEvent, ShipmentState, Totals
from mercato.orders.services.create_order import NewOrder, NewOrderItem, NewShipment, create_confirmed_order
from mercato.orders.services.fulfilment import (
    Fulfilment,
    capture_digital_shipments,
    settle_canceled_orders,
)
from mercato.orders.services.transitions import ShipmentMove, apply_order_event, move_shipment
from mercato.orders.services.views import (
    list_customer_orders,
    list_merchant_orders,
    merchant_order_view,
    order_view,
)

__all__ = [
    "Fulfilment",
    "NewOrder",
    "NewOrderItem",
    "NewShipment",
    "OrderEvent",
    "OrderState",
    "ShipmentEvent",
    "ShipmentMove",
    "ShipmentState",
    "Totals",
    "apply_order_event",
    "capture_digital_shipments",
    "create_confirmed_order",
    "list_customer_orders",
    "list_merchant_orders",
    "merchant_order_view",
    "move_shipment",
    "order_view",
    "settle_canceled_orders",
]
