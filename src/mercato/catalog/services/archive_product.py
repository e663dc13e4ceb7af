"""A merchant archives a product: it leaves the public catalog for good, its history stays."""

from __future__ import annotations

from sqlalchemy import func, update

from mercato.catalog.domain import ProductStatus
from mercato.catalog.product_view import product_row, product_views
from mercato.catalog.tables import products
from mercato.catalog.views import ProductView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of


async def archive_product(tx: Tx, *, merchant_id: str, product_id: str) -> ProductView:
    """Archive the merchant's own product; archiving it again changes nothing and answers the same."""
    if not is_id_of("product", product_id):
        raise NotFound("no such product")
    archived = (
        await tx.conn.execute(
            update(products)
            .where(
                products.c.id == product_id,
                products.c.merchant_id == merchant_id,
                products.c.status != ProductStatus.ARCHIVED.value,
            )
            .values(status=ProductStatus.ARCHIVED.value, updated_at=func.now())
            .returning(products.c.id)
        )
    ).one_or_none()
    row = await product_row(tx.conn, product_id)
    if row is None or row.merchant_id != merchant_id:
        raise NotFound("no such product")
    if archived is not None:
        tx.emit(
            aggregate="product",
            aggregate_id=product_id,
            event_type="product.archived",
            payload={"product_id": product_id, "merchant_id": merchant_id},
        )
    (view,) = await product_views(tx.conn, [row], with_inactive_skus=True)
    return view
