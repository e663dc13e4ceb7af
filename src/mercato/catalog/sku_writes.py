"""Inserting SKUs for a product: one statement, refused as a whole if a code is already taken.

Shared by creating a product (many SKUs) and adding one SKU to it. Codes are unique per merchant
(a UNIQUE constraint); `ON CONFLICT DO NOTHING` tells which ones collided without aborting the
statement, and raising then rolls the whole use case back, so nothing is half written.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import SkuDraft, SkuStatus
from mercato.catalog.tables import skus
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import AlreadyExists
from mercato.kernel.ids import new_id


async def insert_skus(
    conn: AsyncConnection, *, merchant_id: str, product_id: str, drafts: Sequence[SkuDraft]
) -> list[str]:
    """Insert the SKUs (active, holding no stock) and return their ids in the drafts' order."""
    # Sorted so that, within the one created_at of this statement, id order is the request's order:
    # SKUs are shown ordered by (created_at, id), which is then the order the merchant gave them in.
    ids = sorted(new_id("sku") for _ in drafts)
    rows = [
        {
            "id": sku_id,
            "product_id": product_id,
            "merchant_id": merchant_id,
            "code": draft.code,
            "attributes": draft.attributes,
            "price": draft.price,
            "currency": draft.currency,
            "weight_grams": draft.weight_grams,
            "digital": draft.digital,
            "status": SkuStatus.ACTIVE.value,
        }
        for sku_id, draft in zip(ids, drafts, strict=True)
    ]
    statement = (
        insert(skus).values(rows).on_conflict_do_nothing(index_elements=["merchant_id", "code"]).returning(skus.c.code)
    )
    inserted = set((await conn.execute(statement)).scalars())
    taken = [draft.code for draft in drafts if draft.code not in inserted]
    if taken:
        raise AlreadyExists(f"SKU code {taken[0]!r} is already used by this merchant", codes=taken)
    return ids


def emit_sku_created(tx: Tx, *, sku_id: str, product_id: str, merchant_id: str, draft: SkuDraft) -> None:
    """The `sku.created` event: a new sellable variant and its price."""
    tx.emit(
        aggregate="sku",
        aggregate_id=sku_id,
        event_type="sku.created",
        payload={
            "sku_id": sku_id,
            "product_id": product_id,
            "merchant_id": merchant_id,
            "code": draft.code,
            "price": draft.price,
            "currency": draft.currency,
        },
    )
