"""The public product list as a query: filters in, a SQLAlchemy select out.

`listed_products(filters)` is the one place that decides which products the public sees and how
each filter narrows them. It neither orders nor pages (see `sorting.py`), so search can take the
same select, add its text match and rank, and order it its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, Text, and_, any_, exists, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog.domain import ProductStatus, SkuStatus
from mercato.catalog.stock_read import has_units
from mercato.catalog.tables import brands, categories, products, skus

# What a page of products selects: the product's own columns plus its brand and category.
PRODUCT_COLUMNS = (
    *products.c,
    brands.c.slug.label("brand_slug"),
    brands.c.name.label("brand_name"),
    categories.c.slug.label("category_slug"),
    categories.c.name.label("category_name"),
    categories.c.path.label("category_path"),
)


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """The filters of `GET /v1/products`; an empty one lists every listed product."""

    category: str | None = None  # slug; the category and everything below it
    brands: tuple[str, ...] = ()  # slugs; any of them
    merchant_id: str | None = None
    min_price: int | None = None  # minor units; some active SKU's price is at least this
    max_price: int | None = None  # ... and at most this (the same SKU)
    min_rating: Decimal | None = None
    in_stock: bool = False  # some active SKU has an unreserved unit in some warehouse
    # The category (with its descendants) and brands resolved to ids by `resolve_filters`: the same
    # filter, given to the planner as constants it has statistics for (None: resolved in the query).
    category_ids: tuple[str, ...] | None = None
    brand_ids: tuple[str, ...] | None = None


# Built once: SQLAlchemy constructs are immutable (every `.where()` or `.join()` returns a new select),
# and building them anew for every statement of every search showed in its profile.
_WITH_REFS: Select[Any] = select(*PRODUCT_COLUMNS).select_from(
    products.join(brands, brands.c.id == products.c.brand_id).join(
        categories, categories.c.id == products.c.category_id
    )
)
_LISTED: ColumnElement[bool] = and_(products.c.status == ProductStatus.ACTIVE.value, products.c.price_min.is_not(None))


def products_with_refs() -> Select[Any]:
    """Products joined to their brand and category, selecting `PRODUCT_COLUMNS`, unfiltered."""
    return _WITH_REFS


def is_listed() -> ColumnElement[bool]:
    """Which products the public sees: active ones with something for sale (an active SKU, hence a price)."""
    return _LISTED


def filter_clauses(filters: ProductFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses that `filters` adds to the listed products."""
    clauses: list[ColumnElement[bool]] = []
    if filters.category is not None:
        if filters.category_ids is not None:
            clauses.append(products.c.category_id.in_(filters.category_ids))
        else:
            clauses.append(products.c.category_id == any_(_category_and_descendants(filters.category)))
    if filters.brands:
        if filters.brand_ids is not None:
            clauses.append(products.c.brand_id.in_(filters.brand_ids))
        else:
            clauses.append(products.c.brand_id.in_(select(brands.c.id).where(brands.c.slug.in_(filters.brands))))
    if filters.merchant_id is not None:
        clauses.append(products.c.merchant_id == filters.merchant_id)
    if filters.min_price is not None or filters.max_price is not None:
        clauses.extend(_price_clauses(filters.min_price, filters.max_price))
    if filters.min_rating is not None:
        clauses.append(products.c.rating_avg >= filters.min_rating)
    if filters.in_stock:
        clauses.append(
            exists().where(
                skus.c.product_id == products.c.id,
                skus.c.status == SkuStatus.ACTIVE.value,
                has_units(skus.c.id),
            )
        )
    return clauses


def listed_products(filters: ProductFilters) -> Select[Any]:
    """The public products matching `filters`, unordered: the base every product list and search builds on."""
    return products_with_refs().where(*listed_where(filters))


def listed_where(filters: ProductFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `listed_products(filters)` on the products table alone, for a select of a few
    product columns that needs no brand or category (search reads a page's keys from an index this way)."""
    return [is_listed(), *filter_clauses(filters)]


async def resolve_filters(conn: AsyncConnection, filters: ProductFilters) -> ProductFilters:
    """The same filters with the category (and its descendants) and the brands resolved to ids, in one
    query: a planner that sees the ids estimates how many products they hold, and picks a plan for a
    small category as well as for a large one (search uses this; unknown slugs resolve to no ids)."""
    if filters.category is None and not filters.brands:
        return filters
    parts: list[Select[Any]] = []
    if filters.category is not None:
        root = categories.alias("root")
        below = categories.alias("below")
        parts.append(
            select(literal("category"), below.c.id)
            .select_from(below.join(root, root.c.slug == filters.category))
            .where(or_(below.c.path == root.c.path, func.starts_with(below.c.path, root.c.path + "/")))
        )
    if filters.brands:
        parts.append(select(literal("brand"), brands.c.id).where(brands.c.slug.in_(filters.brands)))
    rows = (await conn.execute(union_all(*parts))).all()
    return replace(
        filters,
        category_ids=tuple(sorted(r[1] for r in rows if r[0] == "category")) if filters.category is not None else None,
        brand_ids=tuple(sorted(r[1] for r in rows if r[0] == "brand")) if filters.brands else None,
    )


def _category_and_descendants(slug: str) -> ColumnElement[Any]:
    # `= ANY(ARRAY(SELECT ...))` rather than `IN (SELECT ...)`: the ids become one value, so the
    # planner walks the sort order's index and filters, stopping after a page, instead of joining
    # every product of a large category and sorting them all (0.3 ms against 35 ms at 200k products).
    root = categories.alias("root")
    below = categories.alias("below")
    ids = (
        select(below.c.id)
        .select_from(below.join(root, root.c.slug == slug))
        .where(or_(below.c.path == root.c.path, func.starts_with(below.c.path, root.c.path + "/")))
    )
    return func.array(ids.scalar_subquery(), type_=ARRAY(Text))


def _price_clauses(min_price: int | None, max_price: int | None) -> list[ColumnElement[bool]]:
    # The denormalised range is a cheap necessary condition; the SKU lookup makes it exact (a product
    # priced 10 and 50 has no SKU between 20 and 30). The lookup is a LIMIT 1 subquery, not EXISTS:
    # PostgreSQL would turn an EXISTS into a semi-join that scans every SKU; this stays a per-product
    # probe of the SKUs' product index, run only for the few rows the page needs.
    clauses: list[ColumnElement[bool]] = []
    sku_window: list[ColumnElement[bool]] = [
        skus.c.product_id == products.c.id,
        skus.c.status == SkuStatus.ACTIVE.value,
    ]
    if min_price is not None:
        clauses.append(products.c.price_max >= min_price)
        sku_window.append(skus.c.price >= min_price)
    if max_price is not None:
        clauses.append(products.c.price_min <= max_price)
        sku_window.append(skus.c.price <= max_price)
    clauses.append(select(literal(1)).where(*sku_window).limit(1).scalar_subquery().is_not(None))
    return clauses
