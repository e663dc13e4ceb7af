"""The public reads a product's reviews, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import ProductStatus
from mercato.catalog.sorting import REVIEWS_ORDER
from mercato.catalog.tables import products, reviews
from mercato.catalog.views import ReviewList, ReviewView
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of
from mercato.kernel.paging import CursorCodec, check_limit


async def list_reviews(
    conn: AsyncConnection,
    *,
    cursors: CursorCodec,
    product_id: str,
    limit: int,
    cursor: str | None,
    product_checked: bool = False,
) -> ReviewList:
    """A page of the reviews of an active product (others are not found), newest first."""
    check_limit(limit)
    after = REVIEWS_ORDER.decode(cursors, cursor)
    if not product_checked:
        await _require_active_product(conn, product_id)
    query = select(reviews).where(reviews.c.product_id == product_id)
    rows = (await conn.execute(REVIEWS_ORDER.apply(query, after, limit))).all()
    page, next_cursor = REVIEWS_ORDER.page(cursors, rows, limit)
    return ReviewList(items=[review_view(row) for row in page], next_cursor=next_cursor)


def review_view(row: Row[Any]) -> ReviewView:
    """A review row as the API shows it."""
    return ReviewView(
        id=row.id,
        product_id=row.product_id,
        rating=row.rating,
        title=row.title,
        body=row.body,
        author_name=row.author_name,
        created_at=rfc3339(row.created_at),
    )


async def _require_active_product(conn: AsyncConnection, product_id: str) -> None:
    if not is_id_of("product", product_id):
        raise NotFound("no such product")
    status = (await conn.execute(select(products.c.status).where(products.c.id == product_id))).scalar_one_or_none()
    if status != ProductStatus.ACTIVE.value:
        raise NotFound("no such product")
