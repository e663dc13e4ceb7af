"""Turns a page of product rows into full product views with a fixed number of queries.

Whatever the page size: one query for the SKUs with their availability, one for the images, one for
the merchants' names (the product rows themselves come from the caller's list query). No N+1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import SkuStatus, rating_average
from mercato.catalog.listing import products_with_refs
from mercato.catalog.stock_read import available_units
from mercato.catalog.tables import product_images, products, skus
from mercato.catalog.views import (
    BrandRef,
    CategoryRef,
    ImageView,
    MerchantRef,
    ProductView,
    RatingSummary,
    SkuView,
)
from mercato.identity import merchant_names
from mercato.kernel.clock import rfc3339

SKU_COLUMNS = (
    skus.c.id,
    skus.c.product_id,
    skus.c.code,
    skus.c.attributes,
    skus.c.price,
    skus.c.currency,
    skus.c.digital,
    skus.c.weight_grams,
    skus.c.status,
    available_units(skus.c.id).label("available"),
)


async def product_row(conn: AsyncConnection, product_id: str) -> Row[Any] | None:
    """One product with its brand and category columns, whatever its status."""
    row: Row[Any] | None = (await conn.execute(products_with_refs().where(products.c.id == product_id))).one_or_none()
    return row


async def product_views(
    conn: AsyncConnection, rows: Sequence[Row[Any]], *, with_inactive_skus: bool = False
) -> list[ProductView]:
    """Views of the given product rows, in their order; public views show only active SKUs."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    sku_query = select(*SKU_COLUMNS).where(skus.c.product_id.in_(ids)).order_by(skus.c.created_at, skus.c.id)
    if not with_inactive_skus:
        sku_query = sku_query.where(skus.c.status == SkuStatus.ACTIVE.value)
    skus_of: dict[str, list[SkuView]] = defaultdict(list)
    for sku in await conn.execute(sku_query):
        skus_of[sku.product_id].append(sku_view(sku))
    images_of: dict[str, list[ImageView]] = defaultdict(list)
    image_query = (
        select(product_images.c.product_id, product_images.c.url, product_images.c.alt)
        .where(product_images.c.product_id.in_(ids))
        .order_by(product_images.c.position, product_images.c.id)
    )
    for image in await conn.execute(image_query):
        images_of[image.product_id].append(ImageView(url=image.url, alt=image.alt))
    names = await merchant_names(conn, sorted({row.merchant_id for row in rows}))
    return [_product_view(row, skus_of[row.id], images_of[row.id], names.get(row.merchant_id, "")) for row in rows]


def sku_view(row: Row[Any]) -> SkuView:
    """A SKU row (selected with `SKU_COLUMNS`) as the API shows it."""
    return SkuView(
        id=row.id,
        product_id=row.product_id,
        code=row.code,
        attributes=row.attributes,
        price=row.price,
        currency=row.currency,
        available=row.available,
        digital=row.digital,
        weight_grams=row.weight_grams,
        status=row.status,
    )


def _product_view(row: Row[Any], skus: list[SkuView], images: list[ImageView], merchant_name: str) -> ProductView:
    return ProductView(
        id=row.id,
        name=row.name,
        slug=row.slug,
        description=row.description,
        brand=BrandRef(slug=row.brand_slug, name=row.brand_name),
        category=CategoryRef(slug=row.category_slug, name=row.category_name, path=row.category_path),
        merchant=MerchantRef(id=row.merchant_id, name=merchant_name),
        rating=RatingSummary(average=float(rating_average(row.rating_total, row.rating_count)), count=row.rating_count),
        currency=row.currency,
        price_min=row.price_min,
        price_max=row.price_max,
        images=images,
        skus=skus,
        status=row.status,
        created_at=rfc3339(row.created_at),
        updated_at=rfc3339(row.updated_at),
    )
