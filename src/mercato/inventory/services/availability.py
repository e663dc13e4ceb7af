"""How many units of each SKU can be bought now: on hand minus reserved, over every warehouse."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.inventory.tables import inventory


async def available_by_sku(conn: AsyncConnection, sku_ids: Collection[str]) -> dict[str, int]:
    """Units available now for each requested SKU (0 for a SKU with no stock anywhere)."""
    if not sku_ids:
        return {}
    rows = await conn.execute(
        select(inventory.c.sku_id, func.sum(inventory.c.on_hand - inventory.c.reserved))
        .where(inventory.c.sku_id.in_(list(sku_ids)))
        .group_by(inventory.c.sku_id)
    )
    available = dict.fromkeys(sku_ids, 0)
    available.update({sku_id: int(units) for sku_id, units in rows})
    return available
