"""Brands: the public lists them, administrators create them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.sorting import BRANDS_ORDER
from mercato.catalog.tables import brands
from mercato.catalog.views import BrandList, BrandView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import AlreadyExists
from mercato.kernel.ids import new_id
from mercato.kernel.paging import CursorCodec, check_limit


async def list_brands(conn: AsyncConnection, *, cursors: CursorCodec, limit: int, cursor: str | None) -> BrandList:
    """A page of brands in slug order."""
    check_limit(limit)
    after = BRANDS_ORDER.decode(cursors, cursor)
    rows = (await conn.execute(BRANDS_ORDER.apply(select(brands), after, limit))).all()
    page, next_cursor = BRANDS_ORDER.page(cursors, rows, limit)
    return BrandList(items=[BrandView(id=r.id, slug=r.slug, name=r.name) for r in page], next_cursor=next_cursor)


async def create_brand(tx: Tx, *, slug: str, name: str) -> BrandView:
    """Create a brand; a slug already taken is a 409 already-exists."""
    brand_id = new_id("brand")
    row = (
        await tx.conn.execute(
            insert(brands)
            .values(id=brand_id, slug=slug, name=name)
            .on_conflict_do_nothing(index_elements=["slug"])
            .returning(brands)
        )
    ).one_or_none()
    if row is None:
        raise AlreadyExists(f"a brand with the slug {slug!r} exists", field="body.slug")
    tx.emit(aggregate="brand", aggregate_id=brand_id, event_type="brand.created", payload={"brand_id": brand_id})
    return BrandView(id=row.id, slug=row.slug, name=row.name)
