"""Which products a search returns: the catalog's listed products and filters, plus the text match and
the SKU attribute filters, as one unordered select.

The catalog decides what the public sees and what each of its filters means (`listed_products`); search
only narrows that select further, so browsing and searching can never disagree about a filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, Text, cast, exists, literal, select

from mercato.catalog import ProductFilters, listed_products, listed_where
from mercato.search.domain import AttributeFilter
from mercato.search.tables import search_product_facets
from mercato.search.text_conditions import TextQuery, matches_query

# The columns of the catalog's product list query (the product's own, brand_*, category_*), by name.
PRODUCT = listed_products(ProductFilters()).selected_columns


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """The catalog's filters and the SKU attribute filters of one request."""

    catalog: ProductFilters = field(default_factory=ProductFilters)
    attributes: tuple[AttributeFilter, ...] = ()

    @property
    def narrows(self) -> bool:
        """Whether any filter is set (an unfiltered list needs no size probe)."""
        return self.catalog != ProductFilters() or bool(self.attributes)


def has_attribute(attribute: AttributeFilter) -> ColumnElement[bool]:
    """The product's facet row lists one of the attribute's values (a `search_product_facets` condition)."""
    overlaps: ColumnElement[bool] = search_product_facets.c.attributes.overlap(
        cast(literal(attribute.tokens, ARRAY(Text)), ARRAY(Text))
    )
    return overlaps


def attributes_clause(attributes: Sequence[AttributeFilter]) -> ColumnElement[bool]:
    """Some active SKU of the product has one of the values, for each attribute name (not necessarily the
    same SKU for different names: see docs/search.md)."""
    return exists().where(search_product_facets.c.product_id == PRODUCT.id, *(has_attribute(f) for f in attributes))


def narrowing(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses, on the products table alone, of the listed products that pass the filters."""
    clauses = listed_where(filters.catalog)
    if filters.attributes:
        clauses.append(attributes_clause(filters.attributes))
    return clauses


def matched_ids(filters: SearchFilters, query: TextQuery | None) -> Select[Any]:
    """The ids of the listed products that pass the filters and, when given, match the text `query`."""
    stmt = select(PRODUCT.id).where(*narrowing(filters))
    return stmt.where(matches_query(query)) if query is not None else stmt
