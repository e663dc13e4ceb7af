"""The search columns that migration 0700_search keeps on the catalog's `products` table, and the text
conditions and relevance tiers built from them.

The catalog owns `products`; search owns these columns and the triggers that write them (the catalog's
code never names them, and its Table does not declare them, so its pages never fetch a document). They
are referenced here as columns of the `products` in the catalog's list query, as `catalog/stock_read.py`
reads the inventory's table: a read of another's table, in one place.

Relevance is a small integer tier, from the weight classes of the document:
4 the name is exactly the query; 3 every word is in the name; 2 every word is in the name or brand;
1 every word is in the name, brand or category; 0 every word is somewhere, the description included.
Ties are broken by rating, then popularity (the number of ratings), then id. Tiers 3 to 1 are
conditions on the document's head alone (name, brand, category), which the walk index carries, so they
can be tested without reading the products' rows (see `ranking.py` and docs/search.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, false, func, literal, literal_column, not_
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

SEARCH_DOCUMENT: ColumnElement[Any] = literal_column("products.search_document", TSVECTOR)
SEARCH_HEAD: ColumnElement[Any] = literal_column("products.search_head", TSVECTOR)
NAME_KEY: ColumnElement[str] = literal_column("products.search_name_key", Text)

TIER_EXACT_NAME = 4
TIER_ANYWHERE = 0
HEAD_TIERS = (3, 2, 1)
TIERS = (TIER_EXACT_NAME, *HEAD_TIERS, TIER_ANYWHERE)  # most relevant first
# The weight classes of the head tiers: name (A); name or brand (A, B); the whole head (A, B, C).
_WEIGHTS = {3: "{a}", 2: "{a,b}"}


def tsquery(text: str) -> ColumnElement[Any]:
    """A tsquery from its canonical text (as PostgreSQL printed it), bound as a value."""
    return cast(literal(text, Text), TSQUERY)


def _match(document: ColumnElement[Any], query: ColumnElement[Any]) -> ColumnElement[bool]:
    return document.op("@@", is_comparison=True)(query)


def matches(query: ColumnElement[Any]) -> ColumnElement[bool]:
    """Every word matches somewhere in the product's document."""
    return _match(SEARCH_DOCUMENT, query)


def _weight_class(head: ColumnElement[Any], tier: int) -> ColumnElement[Any]:
    # Spelled exactly as in the expression indexes and statistics of migration 0700, so the planner
    # uses them when `head` is the products column.
    if tier not in _WEIGHTS:
        return head
    return func.ts_filter(head, literal_column(f"'{_WEIGHTS[tier]}'::\"char\"[]"), type_=TSVECTOR)


def exact_name(key: str | None, name_key: ColumnElement[str] = NAME_KEY) -> ColumnElement[bool]:
    """The product's name is exactly the query's words (tier 4)."""
    return literal(key, Text) == name_key if key else false()


def head_tier(
    tier: int,
    query: ColumnElement[Any],
    key: str | None,
    *,
    head: ColumnElement[Any] = SEARCH_HEAD,
    name_key: ColumnElement[str] = NAME_KEY,
    above: bool = True,
) -> ColumnElement[bool]:
    """The products of head tier 3, 2 or 1: every word in the tier's weight class, not in a higher one
    (with `above=False`, in a higher one too).

    An exact name is in the name class, so only tier 3 must leave exact names out explicitly.
    """
    inside = _match(_weight_class(head, tier), query)
    if not above:
        return inside
    higher = [not_(_match(_weight_class(head, other), query)) for other in HEAD_TIERS if other > tier]
    if tier == HEAD_TIERS[0] and key:
        higher.append(not_(exact_name(key, name_key)))
    return and_(inside, *higher)


def anywhere_tier(
    query: ColumnElement[Any],
    *,
    document: ColumnElement[Any] = SEARCH_DOCUMENT,
    head: ColumnElement[Any] = SEARCH_HEAD,
) -> ColumnElement[bool]:
    """The products of tier 0: every word somewhere, but not every word in the head."""
    return and_(_match(document, query), not_(_match(head, query)))


def tier_of(query: ColumnElement[Any], key: str | None) -> ColumnElement[int]:
    """The relevance tier of a matching product, as a column (for ranking a few matches in one sort)."""
    return case(
        (exact_name(key), TIER_EXACT_NAME),
        *((_match(_weight_class(SEARCH_HEAD, tier), query), tier) for tier in HEAD_TIERS),
        else_=TIER_ANYWHERE,
    )
