"""The public browses the catalog: filtered, sorted and paged product lists."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import price_window_valid
from mercato.catalog.listing import ProductFilters, listed_products
from mercato.catalog.product_view import product_views
from mercato.catalog.sorting import PRODUCT_ORDERS, ProductSort
from mercato.catalog.views import ProductList
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.paging import CursorCodec, check_limit


async def list_products(
    conn: AsyncConnection,
    *,
    cursors: CursorCodec,
    filters: ProductFilters,
    sort: ProductSort,
    limit: int,
    cursor: str | None,
) -> ProductList:
    """One page of the listed products that match `filters`, in `sort` order, each with its SKUs and images."""
    check_limit(limit)
    if not price_window_valid(filters.min_price, filters.max_price):
        raise ValidationFailed("min_price must not exceed max_price", field="query.min_price")
    order = PRODUCT_ORDERS[sort]
    after = order.decode(cursors, cursor)
    rows = (await conn.execute(order.apply(listed_products(filters), after, limit))).all()
    page, next_cursor = order.page(cursors, rows, limit)
    return ProductList(items=await product_views(conn, page), next_cursor=next_cursor)
