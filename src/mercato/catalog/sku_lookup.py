"""What other contexts (cart, inventory, checkout) may know of SKUs: a read-only snapshot by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.tables import products, skus


@dataclass(frozen=True, slots=True)
class SkuSnapshot:
    """A SKU as it is now: its product, merchant, display name, current price and kind."""

    id: str
    product_id: str
    merchant_id: str
    name: str
    code: str
    attributes: dict[str, Any]
    price: int
    currency: str
    weight_grams: int
    digital: bool
    active: bool  # the SKU and its product are both active (purchasable)


# Built once: a statement built per call costs more Python time than its round trip (docs/checkout.md).
_SNAPSHOTS = (
    select(
        skus.c.id,
        skus.c.product_id,
        skus.c.merchant_id,
        skus.c.code,
        skus.c.attributes,
        skus.c.price,
        skus.c.currency,
        skus.c.weight_grams,
        skus.c.digital,
        skus.c.status,
        products.c.name,
        products.c.status.label("product_status"),
    )
    .join(products, products.c.id == skus.c.product_id)
    .where(skus.c.id == any_(bindparam("sku_ids", type_=ARRAY(Text))))
)


async def sku_snapshots(conn: AsyncConnection, sku_ids: list[str]) -> dict[str, SkuSnapshot]:
    """Snapshots of the given SKUs keyed by id; unknown ids are simply absent."""
    if not sku_ids:
        return {}
    rows = await conn.execute(_SNAPSHOTS, {"sku_ids": sku_ids})
    return {
        r.id: SkuSnapshot(
            id=r.id,
            product_id=r.product_id,
            merchant_id=r.merchant_id,
            name=r.name,
            code=r.code,
            attributes=r.attributes,
            price=r.price,
            currency=r.currency,
            weight_grams=r.weight_grams,
            digital=r.digital,
            active=r.status == "active" and r.product_status == "active",
        )
        for r in rows
    }
