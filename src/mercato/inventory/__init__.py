"""Inventory: warehouses, stock per SKU and warehouse, the ledger, reservations with TTL.

Other contexts (checkout, cart, catalog, orders) use only what is exported here. A checkout holds stock
with `reserve_stock`, then either `commit_reservations` (the order is confirmed) or `release_reservations`
(it failed or was cancelled); the worker's sweeper releases what nobody committed before it expired.
"""

from mercato.inventory.domain import Reservation, ReservationStatus, StockLevel
from mercato.inventory.services.availability import available_by_sku
from mercato.inventory.services.invariants import check_invariants
from mercato.inventory.services.lifecycle import (
    NoReservations,
    ReservationsReleased,
    commit_reservations,
    extend_reservations,
    release_reservations,
)
from mercato.inventory.services.reservation_rows import holder_reservations
from mercato.inventory.services.reserve import reserve_stock
from mercato.inventory.services.stock_levels import receive_stock, return_stock

__all__ = [
    "NoReservations",
    "Reservation",
    "ReservationStatus",
    "ReservationsReleased",
    "StockLevel",
    "available_by_sku",
    "check_invariants",
    "commit_reservations",
    "extend_reservations",
    "holder_reservations",
    "receive_stock",
    "release_reservations",
    "reserve_stock",
    "return_stock",
]
