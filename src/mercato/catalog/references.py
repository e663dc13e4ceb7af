"""Brand and category slugs given in request bodies, resolved to ids or refused naming the field; and
categories looked up by path for others' labels."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.tables import brands, categories
from mercato.catalog.views import CategoryRef
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


async def categories_by_path(conn: AsyncConnection, paths: Sequence[str]) -> dict[str, CategoryRef]:
    """The categories at these paths, by path (unknown paths are left out): how search labels a category
    facet, whose counts roll up from a product's category to every category above it."""
    if not paths:
        return {}
    rows = await conn.execute(
        select(categories.c.slug, categories.c.name, categories.c.path).where(categories.c.path.in_(list(paths)))
    )
    return {row.path: CategoryRef(slug=row.slug, name=row.name, path=row.path) for row in rows}
