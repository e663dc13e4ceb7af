"""Facet counts for a search: brand, category, price, rating and SKU attributes, in one statement.

Faceting is disjunctive: each facet is counted over the products that pass every filter except its own
(the brand facet ignores `brand=`, the colour facet ignores `attr.color=` but not `attr.size=`), so a
shopper sees how many products each other choice would give. One scan serves every facet: the base set
is the text match with the filters no facet covers (merchant, in stock); each faceted filter becomes a
per-row flag, and each facet's aggregate keeps the rows whose other flags hold.

Counts are exact while the base set has at most `EXACT_UP_TO` products. Past that, they are counted on a
fixed pseudo-random sample and scaled up, and the answer says `facet_counts: "estimated"`: a hash of
the product id splits the catalog into `SAMPLE_BUCKETS` buckets (each product's document carries its
samples as lexemes, so the GIN index intersects text and sample before any row is read), the base
set's share in the first buckets estimates its size, and the first 2^k buckets are counted, enough to
see `SAMPLE_TARGET` to twice that many products (docs/search.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    cast,
    column,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import ProductFilters, categories_by_path, filter_clauses, listed_products
from mercato.search.domain import (
    PRICE_BUCKET_FLOORS,
    RATING_STEPS,
    TOKEN_SEPARATOR,
    Facet,
    estimated_count,
    price_bucket,
    split_token,
)
from mercato.search.matching import PRODUCT, SearchFilters, has_attribute
from mercato.search.tables import search_product_facets
from mercato.search.text_conditions import TextQuery, matches_query
from mercato.search.views import Facets, LabelledCount, PriceCount, RatingCount, ValueCount

EXACT_UP_TO = 2_000
SAMPLE_BUCKETS = 1_024
SAMPLE_TARGET = 1_000


def _in_buckets(buckets: int) -> str:
    """The tsquery text of the first `buckets` (a power of two) sample buckets: one lexeme (migration 0700)."""
    return f"'sample {buckets}'"


TOP_VALUES = 20  # values listed per facet (per attribute name for attributes), most frequent first
TOP_ATTRIBUTES = 20  # attribute names listed, those on most products first


@dataclass(frozen=True, slots=True)
class CountedFacets:
    facets: Facets
    exactness: Literal["exact", "estimated"]
    sampled_buckets: int  # how many of the SAMPLE_BUCKETS were counted (all of them when exact)


@dataclass(frozen=True, slots=True)
class _Flags:
    """Per-row truth of each faceted filter (true when the filter is not set)."""

    brand: ColumnElement[bool]
    category: ColumnElement[bool]
    price: ColumnElement[bool]
    rating: ColumnElement[bool]
    attributes: dict[str, ColumnElement[bool]]


def _all(clauses: Iterable[ColumnElement[bool]]) -> ColumnElement[bool]:
    kept = list(clauses)
    return and_(*kept) if kept else true()


def _price_flag(prices: ColumnElement[Any], low: int | None, high: int | None) -> ColumnElement[bool]:
    # The catalog's rule, on the facet row's copy of the active SKU prices: one SKU inside the window.
    if low is None and high is None:
        return true()
    price = column("price", Integer)
    inside = [price >= low] if low is not None else []
    inside += [price <= high] if high is not None else []
    unnested = func.unnest(prices).table_valued("price").render_derived()
    return select(literal(1)).select_from(unnested).where(*inside).exists()


def _flags(filters: SearchFilters) -> _Flags:
    catalog = filters.catalog
    return _Flags(
        brand=_all(filter_clauses(ProductFilters(brands=catalog.brands, brand_ids=catalog.brand_ids))),
        category=_all(filter_clauses(ProductFilters(category=catalog.category, category_ids=catalog.category_ids))),
        price=_price_flag(search_product_facets.c.prices, catalog.min_price, catalog.max_price),
        rating=_all(filter_clauses(ProductFilters(min_rating=catalog.min_rating))),
        attributes={f.name: has_attribute(f) for f in filters.attributes},
    )


def _unfaceted(filters: SearchFilters, query: TextQuery | None, buckets: int | None = None) -> Select[Any]:
    """The base set (listed products matching the text and the filters no facet covers), or the part of
    it in the first `buckets` sample buckets; text and sample are one tsquery, one GIN scan."""
    catalog = filters.catalog
    stmt = listed_products(ProductFilters(merchant_id=catalog.merchant_id, in_stock=catalog.in_stock))
    if buckets is not None and buckets < SAMPLE_BUCKETS:
        sample = _in_buckets(buckets)
        query = query.narrowed(sample) if query is not None else TextQuery(sample)
    return stmt.where(matches_query(query)) if query is not None else stmt


def _base(filters: SearchFilters, query: TextQuery | None, flags: _Flags, buckets: int, cap: int | None) -> Select[Any]:
    stmt = _unfaceted(filters, query, buckets).outerjoin(
        search_product_facets, search_product_facets.c.product_id == PRODUCT.id
    )
    attribute_flags = [flag.label(f"attr_{i}") for i, flag in enumerate(flags.attributes.values())]
    return stmt.with_only_columns(
        PRODUCT.brand_slug,
        PRODUCT.brand_name,
        PRODUCT.category_path,
        PRODUCT.rating_avg,
        search_product_facets.c.prices,
        search_product_facets.c.attributes,
        flags.brand.label("f_brand"),
        flags.category.label("f_category"),
        flags.price.label("f_price"),
        flags.rating.label("f_rating"),
        *attribute_flags,
    ).limit(cap + 1 if cap is not None else None)


def _aggregates(base: Select[Any], flags: _Flags, asked: frozenset[Facet]) -> Select[Any]:
    s = base.cte("faceted")
    attribute_names = list(flags.attributes)
    attr_ok: list[ColumnElement[bool]] = [s.c[f"attr_{i}"] for i in range(len(attribute_names))]
    passes: dict[Facet, ColumnElement[bool]] = {
        Facet.BRAND: s.c.f_brand,
        Facet.CATEGORY: s.c.f_category,
        Facet.PRICE: s.c.f_price,
        Facet.RATING: s.c.f_rating,
    }

    def others(facet: Facet) -> list[ColumnElement[bool]]:
        kept = [flag for name, flag in passes.items() if name is not facet]
        return kept if facet is Facet.ATTRIBUTES else [*kept, *attr_ok]

    n = func.count().label("n")
    parts: list[Any] = [select(literal("size"), null(), null(), n).select_from(s)]
    if Facet.BRAND in asked:
        parts.append(
            select(literal("brand"), s.c.brand_slug, s.c.brand_name, n)
            .where(*others(Facet.BRAND))
            .group_by(s.c.brand_slug, s.c.brand_name)
        )
    if Facet.CATEGORY in asked:
        parts.append(
            select(literal("category"), s.c.category_path, null(), n)
            .where(*others(Facet.CATEGORY))
            .group_by(s.c.category_path)
        )
    if Facet.PRICE in asked:
        price = column("price", Integer)
        bucket = (func.width_bucket(price, cast(literal(list(PRICE_BUCKET_FLOORS)), ARRAY(Integer))) - 1).label("b")
        buckets = select(bucket).select_from(func.unnest(s.c.prices).table_valued("price").render_derived())
        hit = buckets.distinct().lateral("hit")
        parts.append(
            select(literal("price"), cast(hit.c.b, Text), null(), n)
            .select_from(s.join(hit, true()))
            .where(*others(Facet.PRICE))
            .group_by(hit.c.b)
        )
    if Facet.RATING in asked:
        step = func.unnest(cast(literal(list(RATING_STEPS)), ARRAY(Integer))).table_valued("step").render_derived()
        parts.append(
            select(literal("rating"), cast(step.c.step, Text), null(), n)
            .select_from(s.join(step, s.c.rating_avg >= step.c.step))
            .where(*others(Facet.RATING))
            .group_by(step.c.step)
        )
    if Facet.ATTRIBUTES in asked:
        token = func.unnest(s.c.attributes).table_valued("token").render_derived()
        token_name = func.split_part(token.c.token, TOKEN_SEPARATOR, 1)
        own_or_passes = [or_(token_name == name, ok) for name, ok in zip(attribute_names, attr_ok, strict=True)]
        parts.append(
            select(literal("attributes"), token.c.token, null(), n)
            .select_from(s.join(token, true()))
            .where(*others(Facet.ATTRIBUTES), *own_or_passes)
            .group_by(token.c.token)
        )
    return union_all(*parts)  # type: ignore[return-value]


PROBE_BUCKETS = 32  # buckets counted to gauge the base set's density before choosing exact or sampled
DENSE_BUCKET = 16  # products in the first bucket alone that make its count a good enough gauge


async def _in_first_buckets(conn: AsyncConnection, filters: SearchFilters, query: TextQuery | None, n: int = 1) -> int:
    stmt = _unfaceted(filters, query, n).with_only_columns(func.count())
    return int((await conn.execute(stmt)).scalar_one())


def _buckets_for(per_bucket: float, target: int) -> int:
    """How many buckets (a power of two) to count to see at least `target` products (at most twice as
    many), given about `per_bucket` products in each."""
    if per_bucket <= 0:
        return SAMPLE_BUCKETS
    needed = math.ceil(target / per_bucket)
    buckets = 1
    while buckets < needed and buckets < SAMPLE_BUCKETS:
        buckets *= 2
    return buckets


async def count_facets(
    conn: AsyncConnection,
    *,
    filters: SearchFilters,
    query: TextQuery | None,
    facets: frozenset[Facet],
    exact_up_to: int = EXACT_UP_TO,
    sample_target: int = SAMPLE_TARGET,
) -> CountedFacets:
    """The asked facets of a search: exact counts, or sampled estimates past `exact_up_to` products.

    The first buckets' count says whether the base set looks small; if it does, an exact count is
    tried (and abandoned for a sample if it finds more than `exact_up_to` after all). The first bucket
    is counted alone when it holds enough products to gauge the density, else the first 32.
    """
    flags = _flags(filters)
    # Density from a few buckets, not one: one bucket of a few products is too noisy to size the sample.
    # A first bucket that is already well filled is gauge enough (32 buckets of a million products would
    # mean counting 31,000 of them just to size a sample of 1,000).
    first = await _in_first_buckets(conn, filters, query, 1)
    if first >= DENSE_BUCKET:
        per_bucket = float(first)
    else:
        per_bucket = await _in_first_buckets(conn, filters, query, PROBE_BUCKETS) / PROBE_BUCKETS
    if per_bucket * SAMPLE_BUCKETS <= exact_up_to:
        exact = _base(filters, query, flags, SAMPLE_BUCKETS, exact_up_to)
        rows = (await conn.execute(_aggregates(exact, flags, facets))).all()
        if _size(rows) <= exact_up_to:
            return CountedFacets(await _assemble(conn, rows, facets, 1.0), "exact", SAMPLE_BUCKETS)
        # Too many after all, though the probe looked sparse: at least the threshold's worth per bucket.
        per_bucket = max(per_bucket, (exact_up_to + 1) / SAMPLE_BUCKETS)
    buckets = _buckets_for(per_bucket, sample_target)
    sample = _base(filters, query, flags, buckets, None)
    rows = (await conn.execute(_aggregates(sample, flags, facets))).all()
    scale = SAMPLE_BUCKETS / buckets
    exactness: Literal["exact", "estimated"] = "exact" if buckets == SAMPLE_BUCKETS else "estimated"
    return CountedFacets(await _assemble(conn, rows, facets, scale), exactness, buckets)


def _size(rows: Iterable[Any]) -> int:
    return next(int(row.n) for row in rows if row[0] == "size")


def _count(sampled: int, scale: float) -> int:
    return sampled if scale == 1.0 else estimated_count(sampled, scale)


__all__ = ["EXACT_UP_TO", "SAMPLE_TARGET", "CountedFacets", "count_facets"]


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(((key, n) for key, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))


async def _assemble(conn: AsyncConnection, rows: Iterable[Any], asked: frozenset[Facet], scale: float) -> Facets:
    by_facet: dict[str, list[Any]] = {}
    for row in rows:
        by_facet.setdefault(row[0], []).append(row)
    facets = Facets()
    if Facet.BRAND in asked:
        brand_rows = sorted(by_facet.get("brand", []), key=lambda r: (-r.n, r[1]))[:TOP_VALUES]
        facets.brand = [LabelledCount(value=r[1], label=r[2], count=_count(r.n, scale)) for r in brand_rows]
    if Facet.CATEGORY in asked:
        facets.category = await _categories(conn, by_facet.get("category", []), scale)
    if Facet.PRICE in asked:
        price_rows = sorted(by_facet.get("price", []), key=lambda r: int(r[1]))
        facets.price = [
            PriceCount(min=low, max=high, count=_count(r.n, scale))
            for r in price_rows
            for low, high in [price_bucket(int(r[1]))]
        ]
    if Facet.RATING in asked:
        seen = {int(r[1]): int(r.n) for r in by_facet.get("rating", [])}
        facets.rating = [RatingCount(min_rating=k, count=_count(seen.get(k, 0), scale)) for k in RATING_STEPS]
    if Facet.ATTRIBUTES in asked:
        facets.attributes = _attributes(by_facet.get("attributes", []), scale)
    return facets


async def _categories(conn: AsyncConnection, rows: list[Any], scale: float) -> list[LabelledCount]:
    # A product counts for its category and every category above it (paths are slugs joined by '/').
    rolled: Counter[str] = Counter()
    for row in rows:
        parts = str(row[1]).split("/")
        for depth in range(1, len(parts) + 1):
            rolled["/".join(parts[:depth])] += int(row.n)
    top = _ranked(dict(rolled))[:TOP_VALUES]
    labels = await categories_by_path(conn, [path for path, _ in top])
    return [
        LabelledCount(value=labels[path].slug, label=labels[path].name, count=_count(n, scale))
        for path, n in top
        if path in labels
    ]


def _attributes(rows: list[Any], scale: float) -> dict[str, list[ValueCount]]:
    values: dict[str, dict[str, int]] = {}
    for row in rows:
        name, value = split_token(str(row[1]))
        values.setdefault(name, {})[value] = int(row.n)
    # Attribute names on the most products first (a product counts once per name, under each value it has).
    reach = {name: max(counts.values()) for name, counts in values.items()}
    names = sorted(reach, key=lambda name: (-reach[name], name))[:TOP_ATTRIBUTES]
    return {
        name: [ValueCount(value=value, count=_count(n, scale)) for value, n in _ranked(values[name])[:TOP_VALUES]]
        for name in names
    }
