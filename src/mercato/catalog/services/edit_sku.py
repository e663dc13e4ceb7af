"""A merchant changes a SKU: its price, attributes, weight, kind, or whether it is sold at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from mercato.catalog.domain import SkuStatus
from mercato.catalog.ownership import lock_product_of_own_sku
from mercato.catalog.price_summary import refresh_price_range
from mercato.catalog.product_view import SKU_COLUMNS, sku_view
from mercato.catalog.tables import skus
from mercato.catalog.views import SkuView
from mercato.db.unit_of_work import Tx


@dataclass(frozen=True, slots=True)
class SkuChanges:
    """The fields to change; None leaves a field as it is."""

    price: int | None = None
    attributes: dict[str, Any] | None = None
    weight_grams: int | None = None
    digital: bool | None = None
    status: SkuStatus | None = None


async def edit_sku(tx: Tx, *, merchant_id: str, sku_id: str, changes: SkuChanges) -> SkuView:
    """Apply the changes to the merchant's own SKU and bring the product's price range up to date.

    The product row is locked first (as by every SKU writer), so reading the old price and then
    writing the new one cannot interleave with another write to this product's SKUs.
    """
    product = await lock_product_of_own_sku(tx.conn, merchant_id=merchant_id, sku_id=sku_id)
    values: dict[str, Any] = {
        name: value.value if isinstance(value, SkuStatus) else value
        for name, value in (
            ("price", changes.price),
            ("attributes", changes.attributes),
            ("weight_grams", changes.weight_grams),
            ("digital", changes.digital),
            ("status", changes.status),
        )
        if value is not None
    }
    before = (await tx.conn.execute(select(skus.c.price, skus.c.currency).where(skus.c.id == sku_id))).one()
    if values:
        await tx.conn.execute(update(skus).where(skus.c.id == sku_id).values(updated_at=func.now(), **values))
        if "price" in values or "status" in values:
            await refresh_price_range(tx.conn, product_id=product.id)
        tx.emit(
            aggregate="sku",
            aggregate_id=sku_id,
            event_type="sku.updated",
            payload={
                "sku_id": sku_id,
                "product_id": product.id,
                "merchant_id": merchant_id,
                "fields": sorted(values),
                "price": values.get("price", before.price),
                "previous_price": before.price,
                "currency": before.currency,
            },
        )
    return sku_view((await tx.conn.execute(select(*SKU_COLUMNS).where(skus.c.id == sku_id))).one())
