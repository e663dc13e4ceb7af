"""A merchant reads its own products, whatever their status."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import ProductStatus
from mercato.catalog.listing import products_with_refs
from mercato.catalog.product_view import product_row, product_views
from mercato.catalog.sorting import MERCHANT_PRODUCTS_ORDER
from mercato.catalog.tables import products
from mercato.catalog.views import ProductList, ProductView
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of
from mercato.kernel.paging import CursorCodec, check_limit


async def list_own_products(
    conn: AsyncConnection,
    *,
    cursors: CursorCodec,
    merchant_id: str,
    status: ProductStatus | None,
    limit: int,
    cursor: str | None,
) -> ProductList:
    """The merchant's products, newest first, optionally of one status, with every SKU."""
    check_limit(limit)
    after = MERCHANT_PRODUCTS_ORDER.decode(cursors, cursor)
    query = products_with_refs().where(products.c.merchant_id == merchant_id)
    if status is not None:
        query = query.where(products.c.status == status.value)
    rows = (await conn.execute(MERCHANT_PRODUCTS_ORDER.apply(query, after, limit))).all()
    page, next_cursor = MERCHANT_PRODUCTS_ORDER.page(cursors, rows, limit)
    return ProductList(items=await product_views(conn, page, with_inactive_skus=True), next_cursor=next_cursor)


async def get_own_product(conn: AsyncConnection, *, merchant_id: str, product_id: str) -> ProductView:
    """One of the merchant's products; another merchant's is not found, exactly like a missing one."""
    if not is_id_of("product", product_id):
        raise NotFound("no such product")
    row = await product_row(conn, product_id)
    if row is None or row.merchant_id != merchant_id:
        raise NotFound("no such product")
    (view,) = await product_views(conn, [row], with_inactive_skus=True)
    return view
