"""A merchant adds a SKU (a variant) to one of its products."""

from __future__ import annotations

from sqlalchemy import select

from mercato.catalog.domain import SkuDraft
from mercato.catalog.ownership import lock_own_product
from mercato.catalog.price_summary import refresh_price_range
from mercato.catalog.product_view import SKU_COLUMNS, sku_view
from mercato.catalog.sku_writes import emit_sku_created, insert_skus
from mercato.catalog.tables import skus
from mercato.catalog.views import SkuView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import ValidationFailed


async def add_sku(tx: Tx, *, merchant_id: str, product_id: str, draft: SkuDraft) -> SkuView:
    """Add an active SKU with no stock, in the product's currency; the product's price range follows."""
    locked = await lock_own_product(tx.conn, merchant_id=merchant_id, product_id=product_id)
    if draft.currency != locked.currency:
        raise ValidationFailed(f"this product is priced in {locked.currency}", field="body.currency")
    (sku_id,) = await insert_skus(tx.conn, merchant_id=merchant_id, product_id=locked.id, drafts=[draft])
    await refresh_price_range(tx.conn, product_id=locked.id)
    emit_sku_created(tx, sku_id=sku_id, product_id=locked.id, merchant_id=merchant_id, draft=draft)
    return sku_view((await tx.conn.execute(select(*SKU_COLUMNS).where(skus.c.id == sku_id))).one())
