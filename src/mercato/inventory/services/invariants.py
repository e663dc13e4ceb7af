"""The stock invariants, checked by tests and benchmarks after any amount of concurrent work.

1. on hand equals the sum of the ledger's on-hand deltas, per (SKU, warehouse);
2. reserved equals the sum of active reservations, and the sum of the ledger's reserved deltas;
3. 0 <= reserved <= on hand (the CHECK constraints make this impossible to break; checked anyway).

The worker's audit reports each breach once as `stock.oversold` (an incident: units may have been sold
that did not exist, or reserved units lost track of), remembering it in `stock_incidents`.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.inventory.tables import stock_incidents, warehouses

_VIOLATIONS = text(
    """
    WITH ledger AS (
        SELECT sku_id, warehouse_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
        FROM inventory_ledger GROUP BY sku_id, warehouse_id
    ), held AS (
        SELECT sku_id, warehouse_id, sum(qty) AS reserved
        FROM reservations WHERE status = 'active' GROUP BY sku_id, warehouse_id
    ), keys AS (
        SELECT sku_id, warehouse_id FROM inventory
        UNION SELECT sku_id, warehouse_id FROM ledger
        UNION SELECT sku_id, warehouse_id FROM held
    )
    SELECT k.sku_id, k.warehouse_id,
           coalesce(i.on_hand, 0) AS on_hand, coalesce(i.reserved, 0) AS reserved,
           coalesce(l.on_hand, 0) AS ledger_on_hand, coalesce(l.reserved, 0) AS ledger_reserved,
           coalesce(h.reserved, 0) AS held
    FROM keys k
    LEFT JOIN inventory i USING (sku_id, warehouse_id)
    LEFT JOIN ledger l USING (sku_id, warehouse_id)
    LEFT JOIN held h USING (sku_id, warehouse_id)
    WHERE coalesce(i.on_hand, 0) <> coalesce(l.on_hand, 0)
       OR coalesce(i.reserved, 0) <> coalesce(h.reserved, 0)
       OR coalesce(i.reserved, 0) <> coalesce(l.reserved, 0)
       OR coalesce(i.reserved, 0) < 0
       OR coalesce(i.reserved, 0) > coalesce(i.on_hand, 0)
    ORDER BY k.sku_id, k.warehouse_id
    """
)


async def check_invariants(conn: AsyncConnection) -> list[str]:
    """Every violated invariant, one readable line each; an empty list means the stock is consistent."""
    return [
        f"{r.sku_id}@{r.warehouse_id}: on_hand={r.on_hand} (ledger {r.ledger_on_hand}), "
        f"reserved={r.reserved} (active reservations {r.held}, ledger {r.ledger_reserved})"
        for r in await conn.execute(_VIOLATIONS)
    ]


async def report_breaches(tx: Tx) -> int:
    """Emit `stock.oversold` for every breach not reported before (the same breach, with the same numbers,
    is one incident however often it is audited); returns how many were reported now."""
    reported = 0
    for breach in await tx.conn.execute(_VIOLATIONS):
        detail = (
            f"on_hand={breach.on_hand} (ledger {breach.ledger_on_hand}), reserved={breach.reserved} "
            f"(active reservations {breach.held}, ledger {breach.ledger_reserved})"
        )
        new = await tx.conn.scalar(
            insert(stock_incidents)
            .values(sku_id=breach.sku_id, warehouse_id=breach.warehouse_id, signature=detail)
            .on_conflict_do_nothing()
            .returning(stock_incidents.c.sku_id)
        )
        if new is None:
            continue
        merchant = await tx.conn.scalar(select(warehouses.c.merchant_id).where(warehouses.c.id == breach.warehouse_id))
        tx.emit(
            aggregate="stock",
            aggregate_id=breach.sku_id,
            event_type="stock.oversold",
            payload={
                "sku_id": breach.sku_id,
                "warehouse_id": breach.warehouse_id,
                "merchant_id": merchant or "",
                "reference": None,
                "detail": detail,
            },
        )
        reported += 1
    return reported
