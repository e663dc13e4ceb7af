"""Reading the stock ledger of one SKU, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.inventory.domain import LedgerEntry, LedgerKind
from mercato.inventory.services.stock_levels import owned_sku
from mercato.inventory.tables import inventory_ledger


async def sku_ledger(
    conn: AsyncConnection, *, merchant_id: str, sku_id: str, limit: int, before_seq: int | None = None
) -> tuple[list[LedgerEntry], bool]:
    """A page of the merchant's SKU's ledger (every warehouse), newest first, and whether more follow."""
    await owned_sku(conn, merchant_id=merchant_id, sku_id=sku_id)
    query = select(inventory_ledger).where(inventory_ledger.c.sku_id == sku_id)
    if before_seq is not None:
        query = query.where(inventory_ledger.c.id < before_seq)
    rows = (await conn.execute(query.order_by(inventory_ledger.c.id.desc()).limit(limit + 1))).all()
    entries = [
        LedgerEntry(
            seq=r.id,
            sku_id=r.sku_id,
            warehouse_id=r.warehouse_id,
            kind=LedgerKind(r.kind),
            on_hand_delta=r.on_hand_delta,
            reserved_delta=r.reserved_delta,
            reason=r.reason,
            reference=r.reference,
            actor=r.actor,
            created_at=r.created_at,
        )
        for r in rows[:limit]
    ]
    return entries, len(rows) > limit
