"""Keeps `products.price_min/price_max` equal to the range of the product's active SKU prices.

Called at the end of every SKU or price write, in the writer's transaction and after the product row
was locked (see `ownership.py`), so lists can filter and sort by price without aggregating at read time.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import SkuStatus
from mercato.catalog.tables import products, skus


async def refresh_price_range(conn: AsyncConnection, *, product_id: str) -> tuple[int | None, int | None]:
    """Recompute the product's price range from its active SKUs in one statement; return (min, max)."""
    active = select(skus.c.price).where(skus.c.product_id == product_id, skus.c.status == SkuStatus.ACTIVE.value)
    prices = active.subquery()
    row = (
        await conn.execute(
            update(products)
            .where(products.c.id == product_id)
            .values(
                price_min=select(func.min(prices.c.price)).scalar_subquery(),
                price_max=select(func.max(prices.c.price)).scalar_subquery(),
            )
            .returning(products.c.price_min, products.c.price_max)
        )
    ).one()
    return row.price_min, row.price_max
