"""Applying settled reservation moves to stock rows: lock them in key order, update, write the ledger.

Shared by release, commit and the TTL sweeper. The lock statement comes first so that every mover takes
row locks in the same (sku_id, warehouse_id) order as reserve does, which is what rules out deadlocks. It
locks every warehouse's row of the SKUs, not only the moved ones: the totals it reads are what tells
that a release brought a SKU back in stock (see stock_events), and emits the reservations' events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Integer, Text

from mercato.db.unit_of_work import Tx
from mercato.inventory.domain import LedgerKind, Reservation
from mercato.inventory.services.stock_events import emit_crossings, emit_reservations, lock_sku_stock

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
    tx: Tx,
    settled: Sequence[Reservation],
    *,
    kind: LedgerKind,
    event_type: str,
    reason: str,
    actor: str | None,
    now: datetime,
) -> None:
    """Give the reserved units of reservations just released (back to available) or committed (out of
    on hand too) to their stock rows, one ledger row per reservation (referencing it); emit `event_type`
    (reservation.committed / released / expired) for each, and back-in-stock where a release crossed zero."""
    if not settled:
        return
    conn = tx.conn
    takes_on_hand = kind is LedgerKind.COMMIT
    pairs = sorted({(r.sku_id, r.warehouse_id) for r in settled})
    locked = await lock_sku_stock(conn, {r.sku_id for r in settled})
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
    merchants = locked.merchants()
    emit_reservations(tx, settled, event_type=event_type, merchants=merchants, reason=None if takes_on_hand else reason)
    if not takes_on_hand:  # a commit takes units that were already not sellable: the total does not move
        given: dict[str, int] = {}
        for r in settled:
            given[r.sku_id] = given.get(r.sku_id, 0) + r.qty
        await emit_crossings(tx, before=locked.available(), change=given, merchants=merchants)
