"""The public product list as a query: filters in, a SQLAlchemy select out.

`listed_products(filters)` is the one place that decides which products the public sees and how
each filter narrows them. It neither orders nor pages (see `sorting.py`), so search can take the
same select, add its text match and rank, and order it its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, Text, and_, any_, exists, func, literal, or_, select

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


def products_with_refs() -> Select[Any]:
    """Products joined to their brand and category, selecting `PRODUCT_COLUMNS`, unfiltered."""
    return select(*PRODUCT_COLUMNS).select_from(
        products.join(brands, brands.c.id == products.c.brand_id).join(
            categories, categories.c.id == products.c.category_id
        )
    )


def is_listed() -> ColumnElement[bool]:
    """Which products the public sees: active ones with something for sale (an active SKU, hence a price)."""
    return and_(products.c.status == ProductStatus.ACTIVE.value, products.c.price_min.is_not(None))


def filter_clauses(filters: ProductFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses that `filters` adds to the listed products."""
    clauses: list[ColumnElement[bool]] = []
    if filters.category is not None:
        clauses.append(products.c.category_id == any_(_category_and_descendants(filters.category)))
    if filters.brands:
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
