"""A merchant uploads a product image: checked by its bytes, stored in object storage, shown at once."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import func, insert, select

from mercato.catalog.domain import IMAGE_EXTENSIONS, sniff_image_type
from mercato.catalog.ownership import lock_own_product
from mercato.catalog.product_view import product_row, product_views
from mercato.catalog.tables import product_images
from mercato.catalog.views import ProductView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import PayloadTooLarge, ValidationFailed
from mercato.kernel.ids import new_id


class ImageStore(Protocol):
    """The one call of the object storage this use case needs (the app's storage satisfies it)."""

    async def put(self, key: str, data: bytes, content_type: str) -> str: ...


async def add_product_image(
    tx: Tx,
    *,
    storage: ImageStore,
    max_bytes: int,
    merchant_id: str,
    product_id: str,
    data: bytes,
    alt: str,
) -> ProductView:
    """Store a JPEG, PNG, GIF or WebP image (judged by its magic bytes, not its name) and append it.

    The blob is written before the row; if the transaction then fails, an unreferenced file is left
    behind, which is harmless, whereas a row pointing at a missing file would not be.
    """
    locked = await lock_own_product(tx.conn, merchant_id=merchant_id, product_id=product_id)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"images are limited to {max_bytes} bytes")
    media_type = sniff_image_type(data)
    if media_type is None:
        raise ValidationFailed("the file is not a JPEG, PNG, GIF or WebP image", field="body.file")
    image_id = new_id("image")
    key = f"products/{locked.id}/{image_id}.{IMAGE_EXTENSIONS[media_type]}"
    url = await storage.put(key, data, media_type)
    next_position = (
        select(func.coalesce(func.max(product_images.c.position) + 1, 0))
        .where(product_images.c.product_id == locked.id)
        .scalar_subquery()
    )
    await tx.conn.execute(
        insert(product_images).values(
            id=image_id,
            product_id=locked.id,
            storage_key=key,
            url=url,
            alt=alt,
            content_type=media_type,
            position=next_position,
        )
    )
    tx.emit(
        aggregate="product",
        aggregate_id=locked.id,
        event_type="product.updated",
        payload={"product_id": locked.id, "merchant_id": merchant_id, "fields": ["images"], "image_id": image_id},
    )
    row = await product_row(tx.conn, locked.id)
    assert row is not None  # locked above, in this transaction
    (view,) = await product_views(tx.conn, [row], with_inactive_skus=True)
    return view
