"""A merchant's hold on one of its products: found, locked for the transaction, and still editable.

Every merchant write to a product or its SKUs and images starts here. Locking the product row first
serialises concurrent writers of the same product, so the price range recomputed at the end of each
write always sees the other writers' committed SKUs (no lost update of `price_min`/`price_max`).
Another merchant's product is not found, exactly like a missing one, so ids leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import ProductStatus, is_editable
from mercato.catalog.tables import products, skus
from mercato.kernel.errors import Conflict, NotFound
from mercato.kernel.ids import is_id_of


@dataclass(frozen=True, slots=True)
class LockedProduct:
    """The few facts a write needs about the product it holds locked."""

    id: str
    merchant_id: str
    status: ProductStatus
    currency: str


async def lock_own_product(conn: AsyncConnection, *, merchant_id: str, product_id: str) -> LockedProduct:
    """Lock the merchant's product for this transaction; NotFound if it is not theirs, Conflict if archived."""
    if not is_id_of("product", product_id):
        raise NotFound("no such product")
    row = (
        await conn.execute(
            update(products)
            .where(products.c.id == product_id, products.c.merchant_id == merchant_id)
            .values(updated_at=func.now())
            .returning(products.c.id, products.c.merchant_id, products.c.status, products.c.currency)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no such product")
    return _checked(row.id, row.merchant_id, row.status, row.currency)


async def lock_product_of_own_sku(conn: AsyncConnection, *, merchant_id: str, sku_id: str) -> LockedProduct:
    """Lock the product of the merchant's SKU (see `lock_own_product`); NotFound if the SKU is not theirs."""
    if not is_id_of("sku", sku_id):
        raise NotFound("no such SKU")
    owner = select(skus.c.product_id).where(skus.c.id == sku_id, skus.c.merchant_id == merchant_id).scalar_subquery()
    row = (
        await conn.execute(
            update(products)
            .where(products.c.id == owner)
            .values(updated_at=func.now())
            .returning(products.c.id, products.c.merchant_id, products.c.status, products.c.currency)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no such SKU")
    return _checked(row.id, row.merchant_id, row.status, row.currency)


def _checked(product_id: str, merchant_id: str, status: str, currency: str) -> LockedProduct:
    locked = LockedProduct(product_id, merchant_id, ProductStatus(status), currency)
    if not is_editable(locked.status):
        raise Conflict("the product is archived and can no longer change")
    return locked
