"""A merchant lists a new product with its SKUs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

from mercato.catalog.domain import (
    ProductStatus,
    SkuDraft,
    first_foreign_currency,
    first_repeated,
    price_range,
    slugify,
)
from mercato.catalog.product_view import product_row, product_views
from mercato.catalog.references import brand_id_by_slug, category_id_by_slug
from mercato.catalog.sku_writes import emit_sku_created, insert_skus
from mercato.catalog.tables import products
from mercato.catalog.views import ProductView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.ids import new_id


async def create_product(
    tx: Tx,
    *,
    merchant_id: str,
    name: str,
    description: str,
    brand: str,
    category: str,
    status: ProductStatus,
    skus: Sequence[SkuDraft],
) -> ProductView:
    """Create the product and its SKUs in one go: active at once unless a draft, no stock yet.

    The product's currency is its SKUs' one currency; every check runs before or inside the single
    transaction, so a refused request leaves nothing behind.
    """
    if not skus:
        raise ValidationFailed("a product needs at least one SKU", field="body.skus")
    currency = skus[0].currency
    foreign = first_foreign_currency([sku.currency for sku in skus], currency)
    if foreign is not None:
        raise ValidationFailed(
            f"every SKU of a product is priced in one currency ({currency})", field=f"body.skus.{foreign}.currency"
        )
    repeated = first_repeated([sku.code for sku in skus])
    if repeated is not None:
        raise ValidationFailed("this SKU code appears twice in the request", field=f"body.skus.{repeated}.code")
    brand_id = await brand_id_by_slug(tx.conn, brand)
    category_id = await category_id_by_slug(tx.conn, category)
    low_high = price_range(sku.price for sku in skus)
    product_id = new_id("product")
    await tx.conn.execute(
        insert(products).values(
            id=product_id,
            merchant_id=merchant_id,
            name=name,
            slug=slugify(name),
            description=description,
            brand_id=brand_id,
            category_id=category_id,
            status=status.value,
            currency=currency,
            price_min=low_high[0] if low_high else None,
            price_max=low_high[1] if low_high else None,
        )
    )
    sku_ids = await insert_skus(tx.conn, merchant_id=merchant_id, product_id=product_id, drafts=skus)
    tx.emit(
        aggregate="product",
        aggregate_id=product_id,
        event_type="product.created",
        payload={"product_id": product_id, "merchant_id": merchant_id, "status": status.value, "sku_ids": sku_ids},
    )
    for sku_id, draft in zip(sku_ids, skus, strict=True):
        emit_sku_created(tx, sku_id=sku_id, product_id=product_id, merchant_id=merchant_id, draft=draft)
    row = await product_row(tx.conn, product_id)
    assert row is not None  # inserted above, in this transaction
    (view,) = await product_views(tx.conn, [row], with_inactive_skus=True)
    return view
