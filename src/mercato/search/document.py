"""The search columns that migration 0700_search keeps on the catalog's `products` table, and the text
conditions and relevance tiers built from them.

The catalog owns `products`; search owns these two columns and the triggers that write them (the
catalog's code never names them, and its Table does not declare them, so its pages never fetch a
document). They are referenced here as columns of the `products` in the catalog's list query, as
`catalog/stock_read.py` reads the inventory's table: a read of another's table, in one place.

Relevance is a small integer tier, from the weight classes of the document:
4 the name is exactly the query; 3 every word is in the name; 2 every word is in the name or brand;
1 every word is in the name, brand or category; 0 every word is somewhere, the description included.
Ties are broken by rating, then popularity (the number of ratings), then id. Each tier is one indexed
condition (the weight classes are GIN expression indexes over the weighted document), so a page of the
most relevant products is read tier by tier, each in the rating order of an index, instead of ranking
every match (see docs/search.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, false, func, literal, literal_column, not_, true
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

CONFIGURATION = "mercato_search"

SEARCH_DOCUMENT: ColumnElement[Any] = literal_column("products.search_document", TSVECTOR)
NAME_KEY: ColumnElement[str] = literal_column("products.search_name_key", Text)

TIER_EXACT_NAME = 4
TIER_ANYWHERE = 0
# The weight classes of the tiers between: name (A), name or brand (A, B), name, brand or category (A-C).
_WEIGHT_CLASSES = {3: "{a}", 2: "{a,b}", 1: "{a,b,c}"}
TIERS = (TIER_EXACT_NAME, 3, 2, 1, TIER_ANYWHERE)  # most relevant first


def tsquery(text: str) -> ColumnElement[Any]:
    """A tsquery from its canonical text (as PostgreSQL printed it), bound as a value."""
    return cast(literal(text, Text), TSQUERY)


def _match(document: ColumnElement[Any], query: ColumnElement[Any]) -> ColumnElement[bool]:
    return document.op("@@", is_comparison=True)(query)


def _weight_class(weights: str) -> ColumnElement[Any]:
    # Spelled exactly as in the expression indexes of migration 0700, so the planner uses them.
    return func.ts_filter(SEARCH_DOCUMENT, literal_column(f"'{weights}'::\"char\"[]"), type_=TSVECTOR)


def matches(query: ColumnElement[Any]) -> ColumnElement[bool]:
    """Every word matches somewhere in the product's document."""
    return _match(SEARCH_DOCUMENT, query)


def _matches_in(weights: str, query: ColumnElement[Any]) -> ColumnElement[bool]:
    return _match(_weight_class(weights), query)


def _exact_name(key: str | None) -> ColumnElement[bool]:
    return literal(key, Text) == NAME_KEY if key else false()


def tier_condition(tier: int, query: ColumnElement[Any], key: str | None) -> ColumnElement[bool]:
    """The products of one relevance tier among those that `matches(query)` (the tiers partition them)."""
    exact = _exact_name(key)
    if tier == TIER_EXACT_NAME:
        return exact
    inside = [_matches_in(_WEIGHT_CLASSES[tier], query)] if tier in _WEIGHT_CLASSES else []
    above = [not_(_matches_in(weights, query)) for higher, weights in _WEIGHT_CLASSES.items() if higher > tier]
    return and_(*inside, *above, not_(exact)) if key else and_(*inside, *above, true())


def tier_of(query: ColumnElement[Any], key: str | None) -> ColumnElement[int]:
    """The relevance tier as a column, for ranking a small set of matches in one sort."""
    return case(
        (_exact_name(key), TIER_EXACT_NAME),
        *((_matches_in(weights, query), tier) for tier, weights in _WEIGHT_CLASSES.items()),
        else_=TIER_ANYWHERE,
    )
