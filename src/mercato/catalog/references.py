"""Brand and category slugs given in request bodies, resolved to ids or refused naming the field."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.tables import brands, categories
from mercato.kernel.errors import ValidationFailed


async def brand_id_by_slug(conn: AsyncConnection, slug: str, *, field: str = "body.brand") -> str:
    """The id of the brand with this slug; an unknown slug is a 422 naming `field`."""
    brand_id = (await conn.execute(select(brands.c.id).where(brands.c.slug == slug))).scalar_one_or_none()
    if brand_id is None:
        raise ValidationFailed(f"no brand has the slug {slug!r}", field=field)
    return str(brand_id)


async def category_id_by_slug(conn: AsyncConnection, slug: str, *, field: str = "body.category") -> str:
    """The id of the category with this slug; an unknown slug is a 422 naming `field`."""
    category_id = (await conn.execute(select(categories.c.id).where(categories.c.slug == slug))).scalar_one_or_none()
    if category_id is None:
        raise ValidationFailed(f"no category has the slug {slug!r}", field=field)
    return str(category_id)
