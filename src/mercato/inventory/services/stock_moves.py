"""Applying settled reservation moves to stock rows: lock them in key order, update, write the ledger.

Shared by release, commit and the TTL sweeper. The lock statement comes first so that every mover takes
row locks in the same (sku_id, warehouse_id) order as reserve does, which is what rules out deadlocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Integer, Text

from mercato.inventory.domain import LedgerKind, Reservation

_LOCK_ROWS = text(
    """
    SELECT 1 FROM inventory
    WHERE (sku_id, warehouse_id) IN (
        SELECT * FROM unnest(CAST(:sku_ids AS text[]), CAST(:warehouse_ids AS text[]))
    )
    ORDER BY sku_id, warehouse_id
    FOR UPDATE
    """
).bindparams(bindparam("sku_ids", type_=ARRAY(Text)), bindparam("warehouse_ids", type_=ARRAY(Text)))

_APPLY = text(
    """
    WITH moves AS (
        SELECT * FROM unnest(
            CAST(:refs AS text[]), CAST(:sku_ids AS text[]), CAST(:warehouse_ids AS text[]),
            CAST(:on_hand_deltas AS integer[]), CAST(:reserved_deltas AS integer[])
        ) AS m(reference, sku_id, warehouse_id, on_hand_delta, reserved_delta)
    ), totals AS (
        SELECT sku_id, warehouse_id, sum(on_hand_delta) AS on_hand_delta, sum(reserved_delta) AS reserved_delta
        FROM moves GROUP BY sku_id, warehouse_id
    ), moved AS (
        UPDATE inventory i
        SET on_hand = i.on_hand + t.on_hand_delta, reserved = i.reserved + t.reserved_delta, updated_at = :now
        FROM totals t
        WHERE i.sku_id = t.sku_id AND i.warehouse_id = t.warehouse_id
        RETURNING i.sku_id
    ), ledger AS (
        INSERT INTO inventory_ledger
            (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason, reference, actor, created_at)
        SELECT sku_id, warehouse_id, :kind, on_hand_delta, reserved_delta, :reason, reference, :actor, :now
        FROM moves
    )
    SELECT count(*) AS rows FROM moved
    """
).bindparams(
    bindparam("refs", type_=ARRAY(Text)),
    bindparam("sku_ids", type_=ARRAY(Text)),
    bindparam("warehouse_ids", type_=ARRAY(Text)),
    bindparam("on_hand_deltas", type_=ARRAY(Integer)),
    bindparam("reserved_deltas", type_=ARRAY(Integer)),
)


async def settle_reservations(
    conn: AsyncConnection,
    settled: Sequence[Reservation],
    *,
    kind: LedgerKind,
    reason: str,
    actor: str | None,
    now: datetime,
) -> None:
    """Give the reserved units of reservations just released (back to available) or committed (out of
    on hand too) to their stock rows, one ledger row per reservation (referencing it)."""
    if not settled:
        return
    takes_on_hand = kind is LedgerKind.COMMIT
    pairs = sorted({(r.sku_id, r.warehouse_id) for r in settled})
    await conn.execute(_LOCK_ROWS, {"sku_ids": [p[0] for p in pairs], "warehouse_ids": [p[1] for p in pairs]})
    result = await conn.execute(
        _APPLY,
        {
            "refs": [r.id for r in settled],
            "sku_ids": [r.sku_id for r in settled],
            "warehouse_ids": [r.warehouse_id for r in settled],
            "on_hand_deltas": [-r.qty if takes_on_hand else 0 for r in settled],
            "reserved_deltas": [-r.qty for r in settled],
            "kind": kind.value,
            "reason": reason,
            "actor": actor,
            "now": now,
        },
    )
    if result.scalar_one() != len(pairs):
        # A reservation always has its stock row; a missing one means the data was edited by hand.
        raise RuntimeError("a settled reservation has no stock row")
