"""The events of stock moves: a reservation's life (created, committed, released, expired), a merchant's
stock change, and a SKU's sellable total crossing zero (`stock.out_of_stock` / `stock.back_in_stock`).

Crossings are detected in the transaction that moves the stock, from the rows it locks anyway
(`lock_sku_stock`, in (sku_id, warehouse_id) order like every stock mover), so detecting one costs no
extra statement. A mover that gives units back (release, sweeper, restock, return) locks *all* of the
SKU's rows, every warehouse, so no other mover can change the total it read before it commits. A
reserver locks only the rows it can take from (a sold-out SKU's rows stay free during a flash sale): the
total it reads can only be too low, never too high, because every row it did not lock was empty.

A crossing that was detected (rare: the last unit taken, the first one back) is then confirmed by one
fresh read of the total, which sees everything committed before this mover's locks were granted,
including a stock row another mover created in a new warehouse (no lock covers a row that did not exist
yet). That read is what makes the two views exact: a back-in-stock after a concurrent reserver's
out-of-stock is always emitted (the releaser waits for the reserver's lock), and a spurious one never.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Text

from mercato.db.unit_of_work import Tx
from mercato.inventory.domain import Reservation, StockLevel, availability_crossings
from mercato.inventory.services.availability import available_by_sku
from mercato.inventory.tables import warehouses
from mercato.kernel.clock import rfc3339

_LOCK_SQL = """
    SELECT i.sku_id, i.warehouse_id, i.on_hand, i.reserved, w.merchant_id, w.country, w.region, w.priority
    FROM inventory i JOIN warehouses w ON w.id = i.warehouse_id
    WHERE i.sku_id = ANY(CAST(:sku_ids AS text[])) {only_available}
    ORDER BY i.sku_id, i.warehouse_id
    FOR UPDATE OF i
"""
_LOCK_SKU_ROWS = text(_LOCK_SQL.format(only_available="")).bindparams(bindparam("sku_ids", type_=ARRAY(Text)))
_LOCK_AVAILABLE_ROWS = text(_LOCK_SQL.format(only_available="AND i.on_hand > i.reserved")).bindparams(
    bindparam("sku_ids", type_=ARRAY(Text))
)


@dataclass(frozen=True, slots=True)
class LockedRow:
    """One stock row as locked, with its warehouse (whose merchant owns the SKU)."""

    sku_id: str
    warehouse_id: str
    on_hand: int
    reserved: int
    merchant_id: str
    country: str
    region: str
    priority: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class LockedStock:
    """Every stock row of some SKUs, locked for the rest of the transaction."""

    rows: tuple[LockedRow, ...]

    def available(self) -> dict[str, int]:
        """Sellable units per SKU over every warehouse (as locked, before this transaction's move)."""
        totals: dict[str, int] = {}
        for row in self.rows:
            totals[row.sku_id] = totals.get(row.sku_id, 0) + row.available
        return totals

    def merchants(self) -> dict[str, str]:
        """The merchant of each warehouse, and of each SKU (a SKU is stocked only in its merchant's warehouses)."""
        owners = {row.warehouse_id: row.merchant_id for row in self.rows}
        owners.update({row.sku_id: row.merchant_id for row in self.rows})
        return owners


async def lock_sku_stock(conn: AsyncConnection, sku_ids: Iterable[str], *, only_available: bool = False) -> LockedStock:
    """Lock every stock row of the SKUs (`only_available`: those with units to take, for a reserver), in
    key order (the order every stock mover locks in)."""
    statement = _LOCK_AVAILABLE_ROWS if only_available else _LOCK_SKU_ROWS
    rows = await conn.execute(statement, {"sku_ids": sorted(set(sku_ids))})
    return LockedStock(tuple(LockedRow(**r._mapping) for r in rows))


async def warehouse_merchant(conn: AsyncConnection, warehouse_id: str) -> str:
    """The merchant a warehouse belongs to (for a SKU's first stock row, which no lock returned)."""
    merchant = await conn.scalar(select(warehouses.c.merchant_id).where(warehouses.c.id == warehouse_id))
    return str(merchant)


async def emit_crossings(
    tx: Tx, *, before: Mapping[str, int], change: Mapping[str, int], merchants: Mapping[str, str]
) -> None:
    """Emit `stock.out_of_stock` / `stock.back_in_stock` for the SKUs whose sellable total crossed zero
    when `change` (units made available per SKU, negative when taken) was applied to `before`."""
    if not availability_crossings(before, change):
        return
    fresh = await available_by_sku(tx.conn, [s for s, d in change.items() if d])
    confirmed = availability_crossings({s: fresh[s] - change[s] for s in fresh}, {s: change[s] for s in fresh})
    for sku_id, (signal, available) in sorted(confirmed.items()):
        tx.emit(
            aggregate="stock",
            aggregate_id=sku_id,
            event_type=signal.value,
            payload={"sku_id": sku_id, "merchant_id": merchants[sku_id], "available": available},
        )


def emit_reservations(
    tx: Tx,
    reservations: Sequence[Reservation],
    *,
    event_type: str,
    merchants: Mapping[str, str],
    reason: str | None = None,
) -> None:
    """One `reservation.<event>` per reservation, under the reservation's own aggregate (so a reservation's
    created and its ending arrive in order)."""
    for r in reservations:
        tx.emit(
            aggregate="reservation",
            aggregate_id=r.id,
            event_type=event_type,
            payload={
                "reservation_id": r.id,
                "sku_id": r.sku_id,
                "warehouse_id": r.warehouse_id,
                "merchant_id": merchants[r.warehouse_id],
                "holder": r.holder,
                "qty": r.qty,
                "expires_at": rfc3339(r.expires_at),
                "reason": reason,
            },
        )


def emit_stock_changed(tx: Tx, level: StockLevel, *, merchant_id: str, reason: str) -> None:
    """`stock.changed` for a level a merchant set or adjusted."""
    tx.emit(
        aggregate="stock",
        aggregate_id=level.sku_id,
        event_type="stock.changed",
        payload={
            "sku_id": level.sku_id,
            "warehouse_id": level.warehouse_id,
            "merchant_id": merchant_id,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "available": level.available,
            "reason": reason,
        },
    )
