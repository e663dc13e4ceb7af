"""Categories, a tree addressed by slug: the public lists them, administrators create them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import category_path
from mercato.catalog.sorting import CATEGORIES_ORDER
from mercato.catalog.tables import categories
from mercato.catalog.views import CategoryList, CategoryView
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import AlreadyExists, ValidationFailed
from mercato.kernel.ids import new_id
from mercato.kernel.paging import CursorCodec, check_limit

_parent = categories.alias("parent")


def _with_parent_slug() -> Select[Any]:
    return select(categories, _parent.c.slug.label("parent_slug")).select_from(
        categories.outerjoin(_parent, _parent.c.id == categories.c.parent_id)
    )


def _view(row: Row[Any]) -> CategoryView:
    return CategoryView(id=row.id, slug=row.slug, name=row.name, path=row.path, parent=row.parent_slug)


async def list_categories(
    conn: AsyncConnection, *, cursors: CursorCodec, limit: int, cursor: str | None
) -> CategoryList:
    """A page of the category tree flattened in path order: every parent right before its children."""
    check_limit(limit)
    after = CATEGORIES_ORDER.decode(cursors, cursor)
    rows = (await conn.execute(CATEGORIES_ORDER.apply(_with_parent_slug(), after, limit))).all()
    page, next_cursor = CATEGORIES_ORDER.page(cursors, rows, limit)
    return CategoryList(items=[_view(row) for row in page], next_cursor=next_cursor)


async def create_category(tx: Tx, *, slug: str, name: str, parent: str | None) -> CategoryView:
    """Create a category under `parent` (a slug) or as a root; a slug already taken is a 409."""
    parent_id: str | None = None
    parent_path: str | None = None
    if parent is not None:
        found = (
            await tx.conn.execute(select(categories.c.id, categories.c.path).where(categories.c.slug == parent))
        ).one_or_none()
        if found is None:
            raise ValidationFailed(f"no category has the slug {parent!r}", field="body.parent")
        parent_id, parent_path = found.id, found.path
    category_id = new_id("category")
    inserted = (
        await tx.conn.execute(
            insert(categories)
            .values(id=category_id, parent_id=parent_id, slug=slug, name=name, path=category_path(parent_path, slug))
            .on_conflict_do_nothing()
            .returning(categories.c.id)
        )
    ).one_or_none()
    if inserted is None:
        raise AlreadyExists(f"a category with the slug {slug!r} exists", field="body.slug")
    tx.emit(
        aggregate="category",
        aggregate_id=category_id,
        event_type="category.created",
        payload={"category_id": category_id, "path": category_path(parent_path, slug)},
    )
    row = (await tx.conn.execute(_with_parent_slug().where(categories.c.id == category_id))).one()
    return _view(row)
