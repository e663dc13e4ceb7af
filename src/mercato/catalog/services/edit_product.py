"""A merchant edits a product's name, description, brand, category or status (active or draft)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from mercato.catalog.domain import ProductStatus, slugify, status_change_allowed
from mercato.catalog.ownership import lock_own_product
from mercato.catalog.product_view import product_row, product_views
from mercato.catalog.references import brand_id_by_slug, category_id_by_slug
from mercato.catalog.tables import products
from mercato.catalog.views import ProductView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import InvalidTransition


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """The fields to change; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    brand: str | None = None  # slug
    category: str | None = None  # slug
    status: ProductStatus | None = None


async def edit_product(tx: Tx, *, merchant_id: str, product_id: str, changes: ProductChanges) -> ProductView:
    """Apply the changes to the merchant's own product; archived products are frozen (409 conflict)."""
    locked = await lock_own_product(tx.conn, merchant_id=merchant_id, product_id=product_id)
    values: dict[str, Any] = {}
    if changes.status is not None:
        if not status_change_allowed(locked.status, changes.status):
            raise InvalidTransition(f"a product cannot go from {locked.status} to {changes.status} by an edit")
        values["status"] = changes.status.value
    if changes.name is not None:
        values["name"] = changes.name
        values["slug"] = slugify(changes.name)
    if changes.description is not None:
        values["description"] = changes.description
    if changes.brand is not None:
        values["brand_id"] = await brand_id_by_slug(tx.conn, changes.brand)
    if changes.category is not None:
        values["category_id"] = await category_id_by_slug(tx.conn, changes.category)
    if values:
        await tx.conn.execute(update(products).where(products.c.id == locked.id).values(**values))
        tx.emit(
            aggregate="product",
            aggregate_id=locked.id,
            event_type="product.updated",
            payload={
                "product_id": locked.id,
                "merchant_id": merchant_id,
                "fields": sorted(values),
                "status": values.get("status", locked.status.value),
            },
        )
    row = await product_row(tx.conn, locked.id)
    assert row is not None  # locked above, in this transaction
    (view,) = await product_views(tx.conn, [row], with_inactive_skus=True)
    return view
