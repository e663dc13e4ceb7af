"""Stock a merchant manages by hand: setting on hand (a stock count), adjusting it, receiving and returns.

Each change is one conditional statement that also writes its ledger row, so on hand can never drop
below what is reserved (409 conflict) and the ledger always sums to on hand. Before it, every stock row
of the SKU is locked (`lock_sku_stock`): the SKU's total across warehouses then tells whether the change
sold it out or brought it back (stock.out_of_stock / stock.back_in_stock); a merchant's set or adjust
also emits stock.changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import sku_snapshots
from mercato.db.unit_of_work import Tx
from mercato.inventory.domain import LedgerEntry, LedgerKind, StockLevel
from mercato.inventory.services.stock_events import (
    LockedStock,
    emit_crossings,
    emit_stock_changed,
    lock_sku_stock,
    warehouse_merchant,
)
from mercato.inventory.services.warehouses import owned_warehouse
from mercato.inventory.tables import inventory, warehouses
from mercato.kernel.errors import Conflict, NotFound
from mercato.kernel.ids import is_id_of

_ENSURE_ROW = text(
    """
    INSERT INTO inventory (sku_id, warehouse_id, on_hand, reserved, updated_at)
    VALUES (:sku_id, :warehouse_id, 0, 0, :now)
    ON CONFLICT (sku_id, warehouse_id) DO NOTHING
    """
)

# The stock row is locked and read first (`before`), so the delta the ledger records is exact even when
# reservations move the row concurrently; the UPDATE refuses to set on hand below what is reserved.
_SET_ON_HAND = text(
    """
    WITH before AS (
        SELECT on_hand, reserved FROM inventory WHERE sku_id = :sku_id AND warehouse_id = :warehouse_id FOR UPDATE
    ), counted AS (
        UPDATE inventory i SET on_hand = :on_hand, updated_at = :now
        FROM before b
        WHERE i.sku_id = :sku_id AND i.warehouse_id = :warehouse_id AND b.reserved <= :on_hand
        RETURNING i.on_hand, i.reserved, b.on_hand AS on_hand_before
    ), ledger AS (
        INSERT INTO inventory_ledger
            (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason, reference, actor, created_at)
        SELECT :sku_id, :warehouse_id, 'adjust', on_hand - on_hand_before, 0, :reason, NULL, :actor, :now
        FROM counted WHERE on_hand <> on_hand_before
    )
    SELECT b.reserved, c.on_hand FROM before b LEFT JOIN counted c ON true
    """
)

_LEDGER_FOR_MOVE = """
    , ledger AS (
        INSERT INTO inventory_ledger
            (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason, reference, actor, created_at)
        SELECT :sku_id, :warehouse_id, :kind, :delta, 0, :reason, :reference, :actor, :now FROM moved
        RETURNING id, created_at
    )
    SELECT m.on_hand, m.reserved, l.id AS seq, l.created_at FROM moved m, ledger l
"""

# Adding creates the stock row if the SKU never had one in this warehouse.
_ADD_ON_HAND = text(
    """
    WITH moved AS (
        INSERT INTO inventory AS i (sku_id, warehouse_id, on_hand, reserved, updated_at)
        VALUES (:sku_id, :warehouse_id, :delta, 0, :now)
        ON CONFLICT (sku_id, warehouse_id) DO UPDATE
            SET on_hand = i.on_hand + EXCLUDED.on_hand, updated_at = EXCLUDED.updated_at
        RETURNING i.on_hand, i.reserved
    )
    """
    + _LEDGER_FOR_MOVE
)

# Removing is conditional: never below zero, never below what is reserved.
_REMOVE_ON_HAND = text(
    """
    WITH moved AS (
        UPDATE inventory SET on_hand = on_hand + :delta, updated_at = :now
        WHERE sku_id = :sku_id AND warehouse_id = :warehouse_id AND on_hand + :delta >= reserved
        RETURNING on_hand, reserved
    )
    """
    + _LEDGER_FOR_MOVE
)


async def owned_sku(conn: AsyncConnection, *, merchant_id: str, sku_id: str) -> None:
    """Pass if the SKU is the merchant's; another merchant's SKU is NotFound exactly like a missing one."""
    if is_id_of("sku", sku_id):
        snapshot = (await sku_snapshots(conn, [sku_id])).get(sku_id)
        if snapshot is not None and snapshot.merchant_id == merchant_id:
            return
    raise NotFound("no such SKU")


async def set_on_hand(
    tx: Tx, *, merchant_id: str, sku_id: str, warehouse_id: str, on_hand: int, actor: str, now: datetime
) -> StockLevel:
    """Set the units on hand (a stock count); below what is reserved is a Conflict and changes nothing."""
    conn = tx.conn
    await owned_sku(conn, merchant_id=merchant_id, sku_id=sku_id)
    await owned_warehouse(conn, merchant_id=merchant_id, warehouse_id=warehouse_id)
    params = {"sku_id": sku_id, "warehouse_id": warehouse_id, "now": now}
    locked = await lock_sku_stock(conn, [sku_id])
    await conn.execute(_ENSURE_ROW, params)
    reason = f"stock count: on hand set to {on_hand}"
    row = (await conn.execute(_SET_ON_HAND, {**params, "on_hand": on_hand, "actor": actor, "reason": reason})).one()
    if row.on_hand is None:
        raise Conflict(f"on hand cannot be set to {on_hand}: {row.reserved} units are reserved")
    level = StockLevel(sku_id=sku_id, warehouse_id=warehouse_id, on_hand=row.on_hand, reserved=row.reserved)
    was = next((r.on_hand for r in locked.rows if r.warehouse_id == warehouse_id), 0)
    await _emit_moved(tx, locked, level, delta=level.on_hand - was, merchant_id=merchant_id)
    emit_stock_changed(tx, level, merchant_id=merchant_id, reason=reason)
    return level


async def _emit_moved(tx: Tx, locked: LockedStock, level: StockLevel, *, delta: int, merchant_id: str) -> None:
    """Out of stock / back in stock, if `delta` more units on hand made the SKU's total cross zero."""
    if delta:
        await emit_crossings(
            tx, before=locked.available(), change={level.sku_id: delta}, merchants={level.sku_id: merchant_id}
        )


async def move_on_hand(
    tx: Tx,
    *,
    kind: LedgerKind,
    sku_id: str,
    warehouse_id: str,
    delta: int,
    reason: str,
    reference: str | None,
    actor: str | None,
    now: datetime,
) -> tuple[StockLevel, LedgerEntry]:
    """Add `delta` (negative to remove) to on hand with its ledger row; a result below zero or below what
    is reserved is a Conflict and changes nothing."""
    conn = tx.conn
    locked = await lock_sku_stock(conn, [sku_id])
    row = (
        await conn.execute(
            _ADD_ON_HAND if delta >= 0 else _REMOVE_ON_HAND,
            {
                "sku_id": sku_id,
                "warehouse_id": warehouse_id,
                "delta": delta,
                "kind": kind.value,
                "reason": reason,
                "reference": reference,
                "actor": actor,
                "now": now,
            },
        )
    ).one_or_none()
    if row is None:
        raise Conflict(f"removing {-delta} units would leave on hand below zero or below what is reserved")
    level = StockLevel(sku_id=sku_id, warehouse_id=warehouse_id, on_hand=row.on_hand, reserved=row.reserved)
    entry = LedgerEntry(
        seq=row.seq,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        kind=kind,
        on_hand_delta=delta,
        reserved_delta=0,
        reason=reason,
        reference=reference,
        actor=actor,
        created_at=row.created_at,
    )
    merchant_id = locked.merchants().get(warehouse_id) or await warehouse_merchant(conn, warehouse_id)
    await _emit_moved(tx, locked, level, delta=delta, merchant_id=merchant_id)
    return level, entry


async def adjust_on_hand(
    tx: Tx, *, merchant_id: str, sku_id: str, warehouse_id: str, delta: int, reason: str, actor: str, now: datetime
) -> tuple[StockLevel, LedgerEntry]:
    """A merchant's correction of on hand by `delta` (damage, shrinkage, a found pallet), with its reason."""
    await owned_sku(tx.conn, merchant_id=merchant_id, sku_id=sku_id)
    await owned_warehouse(tx.conn, merchant_id=merchant_id, warehouse_id=warehouse_id)
    level, entry = await move_on_hand(
        tx,
        kind=LedgerKind.ADJUST,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        delta=delta,
        reason=reason,
        reference=None,
        actor=actor,
        now=now,
    )
    emit_stock_changed(tx, level, merchant_id=merchant_id, reason=reason)
    return level, entry


async def receive_stock(
    tx: Tx, *, sku_id: str, warehouse_id: str, qty: int, reference: str | None, actor: str | None, now: datetime
) -> StockLevel:
    """Goods arrived: `qty` more units on hand (the seed and purchase orders use this)."""
    level, _ = await move_on_hand(
        tx,
        kind=LedgerKind.RECEIVE,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        delta=qty,
        reason="received",
        reference=reference,
        actor=actor,
        now=now,
    )
    return level


async def return_stock(
    tx: Tx, *, sku_id: str, warehouse_id: str, qty: int, reason: str, reference: str | None, now: datetime
) -> StockLevel:
    """Units of a cancelled or returned order go back on hand (`reference`: the order or return)."""
    level, _ = await move_on_hand(
        tx,
        kind=LedgerKind.RETURN,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        delta=qty,
        reason=reason,
        reference=reference,
        actor=None,
        now=now,
    )
    return level


async def stock_levels(conn: AsyncConnection, *, merchant_id: str, sku_id: str) -> list[StockLevel]:
    """The SKU's stock in every warehouse of the merchant (zero where none was ever set), nearest-first
    by the merchant's priority."""
    await owned_sku(conn, merchant_id=merchant_id, sku_id=sku_id)
    rows = await conn.execute(
        select(warehouses.c.id, inventory.c.on_hand, inventory.c.reserved)
        .select_from(
            warehouses.outerjoin(
                inventory, (inventory.c.warehouse_id == warehouses.c.id) & (inventory.c.sku_id == sku_id)
            )
        )
        .where(warehouses.c.merchant_id == merchant_id)
        .order_by(warehouses.c.priority, warehouses.c.id)
    )
    return [
        StockLevel(sku_id=sku_id, warehouse_id=r.id, on_hand=r.on_hand or 0, reserved=r.reserved or 0) for r in rows
    ]
