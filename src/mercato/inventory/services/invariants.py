"""The stock invariants, checked by tests and benchmarks after any amount of concurrent work.

1. on hand equals the sum of the ledger's on-hand deltas, per (SKU, warehouse);
2. reserved equals the sum of active reservations, and the sum of the ledger's reserved deltas;
3. 0 <= reserved <= on hand (the CHECK constraints make this impossible to break; checked anyway).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

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
