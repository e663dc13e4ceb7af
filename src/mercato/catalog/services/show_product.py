"""The public looks at one product: its SKUs, images and the first page of its reviews."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import ProductStatus
from mercato.catalog.product_view import product_row, product_views
from mercato.catalog.services.list_reviews import list_reviews
from mercato.catalog.views import ProductDetailView
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of
from mercato.kernel.paging import DEFAULT_LIMIT, CursorCodec


async def show_product(conn: AsyncConnection, *, cursors: CursorCodec, product_id: str) -> ProductDetailView:
    """An active product with its reviews' first page; drafts and archived products are not found."""
    if not is_id_of("product", product_id):
        raise NotFound("no such product")
    row = await product_row(conn, product_id)
    if row is None or row.status != ProductStatus.ACTIVE.value:
        raise NotFound("no such product")
    (view,) = await product_views(conn, [row])
    reviews = await list_reviews(
        conn, cursors=cursors, product_id=product_id, limit=DEFAULT_LIMIT, cursor=None, product_checked=True
    )
    return ProductDetailView(**dict(view), reviews=reviews)
