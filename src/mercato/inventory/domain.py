"""Inventory rules with no I/O: the values the context hands out, and where a reservation takes its stock from.

Warehouse choice is a pure function so it can be specified by unit tests: for each line, prefer warehouses
in the destination's region, then in its country, then by the merchant's priority (lower first); take the
whole line from the first such warehouse that can cover it, and split across warehouses only when none can.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReservationStatus(StrEnum):
    """A reservation is held until it is released (stock back) or committed (stock gone); both are final."""

    ACTIVE = "active"
    RELEASED = "released"
    COMMITTED = "committed"


class LedgerKind(StrEnum):
    """Why a ledger row moved stock."""

    RECEIVE = "receive"
    ADJUST = "adjust"
    RESERVE = "reserve"
    RELEASE = "release"
    COMMIT = "commit"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an order ships to; either part may be unknown (then it matches no warehouse)."""

    country: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Reservation:
    """Units of one SKU held in one warehouse for one holder (a checkout) until `expires_at`."""

    id: str
    sku_id: str
    warehouse_id: str
    holder: str
    qty: int
    status: ReservationStatus
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Warehouse:
    """A merchant's stock location; `priority` orders warehouses of equal proximity (lower first)."""

    id: str
    merchant_id: str
    name: str
    country: str
    region: str
    priority: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StockLevel:
    """On hand and reserved for one SKU in one warehouse; `available` is what can still be reserved."""

    sku_id: str
    warehouse_id: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One append-only stock movement."""

    seq: int
    sku_id: str
    warehouse_id: str
    kind: LedgerKind
    on_hand_delta: int
    reserved_delta: int
    reason: str
    reference: str | None
    actor: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    """What the allocator needs to know of one (SKU, warehouse) row."""

    sku_id: str
    warehouse_id: str
    available: int
    country: str
    region: str
    priority: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """`qty` units of `sku_id` to be reserved in `warehouse_id`."""

    sku_id: str
    warehouse_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    """The allocations for every line, or the SKUs that cannot be covered (then nothing is allocated)."""

    allocations: tuple[Allocation, ...]
    short_skus: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.short_skus


def merge_lines(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Sum quantities per SKU (a SKU given twice is one line), keeping first-seen order."""
    merged: dict[str, int] = {}
    for sku_id, qty in lines:
        merged[sku_id] = merged.get(sku_id, 0) + qty
    return merged


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


def proximity(stock: WarehouseStock, destination: Destination) -> int:
    """0 for the destination's own region (in its country), 1 for its country, 2 for anywhere else."""
    if _same(stock.country, destination.country):
        return 0 if _same(stock.region, destination.region) else 1
    return 2


def rank_warehouses(rows: Iterable[WarehouseStock], destination: Destination) -> list[WarehouseStock]:
    """Rows in order of preference: nearest first, then by priority, then by id so the order is total."""
    return sorted(rows, key=lambda r: (proximity(r, destination), r.priority, r.warehouse_id))


def allocate_line(sku_id: str, qty: int, ranked: Sequence[WarehouseStock]) -> list[Allocation] | None:
    """Where `qty` units of one SKU come from, or None if all warehouses together hold too few."""
    usable = [r for r in ranked if r.available > 0]
    whole = next((r for r in usable if r.available >= qty), None)
    if whole is not None:
        return [Allocation(sku_id, whole.warehouse_id, qty)]
    if sum(r.available for r in usable) < qty:
        return None
    allocations = []
    remaining = qty
    for row in usable:
        take = min(row.available, remaining)
        allocations.append(Allocation(sku_id, row.warehouse_id, take))
        remaining -= take
        if remaining == 0:
            break
    return allocations


def plan_allocation(
    lines: Mapping[str, int], stock: Iterable[WarehouseStock], destination: Destination
) -> AllocationPlan:
    """Allocate every line or report every SKU that is short; all-or-nothing across lines."""
    by_sku: dict[str, list[WarehouseStock]] = {}
    for row in stock:
        by_sku.setdefault(row.sku_id, []).append(row)
    allocations: list[Allocation] = []
    short: list[str] = []
    for sku_id, qty in lines.items():
        found = allocate_line(sku_id, qty, rank_warehouses(by_sku.get(sku_id, []), destination))
        if found is None:
            short.append(sku_id)
        else:
            allocations.extend(found)
    if short:
        return AllocationPlan(allocations=(), short_skus=tuple(short))
    return AllocationPlan(
        allocations=tuple(sorted(allocations, key=lambda a: (a.sku_id, a.warehouse_id))), short_skus=()
    )


def same_lines(reservations: Iterable[Reservation], lines: Mapping[str, int]) -> bool:
    """Whether reservations cover exactly these quantities per SKU (a retried reserve is a replay)."""
    held: dict[str, int] = {}
    for r in reservations:
        held[r.sku_id] = held.get(r.sku_id, 0) + r.qty
    return held == dict(lines)


class StockSignal(StrEnum):
    """A SKU's sellable quantity, summed over every warehouse, crossed zero (the event type it emits)."""

    OUT_OF_STOCK = "stock.out_of_stock"
    BACK_IN_STOCK = "stock.back_in_stock"


def availability_crossings(before: Mapping[str, int], change: Mapping[str, int]) -> dict[str, tuple[StockSignal, int]]:
    """For each SKU whose sellable total goes from > 0 to 0, or from 0 to > 0, when `change` (units made
    available, negative when taken) is applied to `before`: the signal and the total after the change.
    A SKU absent from `before` had nothing sellable."""
    crossed: dict[str, tuple[StockSignal, int]] = {}
    for sku_id, delta in change.items():
        was = max(before.get(sku_id, 0), 0)
        now = max(was + delta, 0)
        if was > 0 and now == 0:
            crossed[sku_id] = (StockSignal.OUT_OF_STOCK, now)
        elif was == 0 and now > 0:
            crossed[sku_id] = (StockSignal.BACK_IN_STOCK, now)
    return crossed


_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # the alphabet of kernel.ids, so ledger ids look like every other id
_LEDGER_PREFIX = "led_"
_LEDGER_BODY = 26


def ledger_entry_id(seq: int) -> str:
    """The public id of ledger row `seq`: `led_` and the sequence number in base 32, shaped like every id."""
    chars = []
    for _ in range(_LEDGER_BODY):
        chars.append(_ALPHABET[seq & 31])
        seq >>= 5
    return _LEDGER_PREFIX + "".join(reversed(chars))
