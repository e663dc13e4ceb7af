"""The rules of product search that need no database: what a query text is made of, which sorts and
facets exist, how attribute filters are written, the price buckets, and how an estimated count is shown.

`q` is plain text, never query syntax: it is cut into words of letters and digits, and everything else
(tsquery operators `&|!():*<->`, quotes, backslashes, SQL) only separates words. The words are handed
to PostgreSQL as bound values and turned into a tsquery there (see `query_analysis.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 10  # words past the tenth are ignored: they rarely narrow a product search
MIN_PREFIX_CHARS = 2  # a last word shorter than this is matched whole, not as a prefix
ATTRIBUTE_PARAM_PREFIX = "attr."
MAX_ATTRIBUTE_FILTERS = 10  # attribute names per request
MAX_ATTRIBUTE_VALUES = 20  # values per attribute name
MAX_ATTRIBUTE_TEXT = 100  # characters in an attribute name or value
TOKEN_SEPARATOR = "\x1f"  # between an attribute's name and value in a facet token (see migration 0700)

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class QueryText:
    """The words of `q`, in order; the last one is also matched as a prefix while it is being typed."""

    words: tuple[str, ...]
    prefix_last: bool

    @property
    def text(self) -> str:
        """The words joined by single spaces."""
        return " ".join(self.words)


def parse_query(q: str | None) -> QueryText | None:
    """The words of `q`, or None when it has none (empty, blank or only punctuation: plain browsing).

    The last word is a prefix unless `q` ends in whitespace or punctuation (the shopper finished it)
    or it is shorter than `MIN_PREFIX_CHARS`.
    """
    if q is None:
        return None
    words = _WORD.findall(q)[:MAX_QUERY_WORDS]
    if not words:
        return None
    finished = not q[-1:].isalnum() or len(_WORD.findall(q)) > MAX_QUERY_WORDS
    return QueryText(words=tuple(words), prefix_last=not finished and len(words[-1]) >= MIN_PREFIX_CHARS)


def query_problem(q: str | None) -> str | None:
    """Why `q` is refused (a 422), or None."""
    if q is None:
        return None
    if len(q) > MAX_QUERY_CHARS:
        return f"q must be at most {MAX_QUERY_CHARS} characters"
    if "\x00" in q:
        return "q must not contain NUL characters"
    return None


class SearchSort(StrEnum):
    """The orders `GET /v1/products?sort=` accepts; `relevance` is the default when `q` is given."""

    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE = "price"
    PRICE_DESC = "-price"
    RATING = "rating"


def effective_sort(sort: SearchSort | None, text: QueryText | None) -> SearchSort:
    """The sort asked for, else relevance for a text search and newest for browsing."""
    if sort is not None:
        return sort
    return SearchSort.RELEVANCE if text is not None else SearchSort.NEWEST


class Facet(StrEnum):
    """The facets `facets=` may ask for (repeatable); `all` means every one."""

    BRAND = "brand"
    CATEGORY = "category"
    PRICE = "price"
    RATING = "rating"
    ATTRIBUTES = "attributes"
    ALL = "all"


def facets_asked(values: Iterable[Facet]) -> frozenset[Facet]:
    """The facets to compute (never `all` itself)."""
    asked = set(values)
    if Facet.ALL in asked:
        return frozenset(f for f in Facet if f is not Facet.ALL)
    return frozenset(asked)


def attribute_token(name: str, value: str) -> str:
    """How an attribute value is stored among a product's facet tokens."""
    return f"{name}{TOKEN_SEPARATOR}{value}"


def split_token(token: str) -> tuple[str, str]:
    """The (name, value) of a facet token."""
    name, _, value = token.partition(TOKEN_SEPARATOR)
    return name, value


def _attribute_text_problem(text: str) -> str | None:
    if not text.strip():
        return "must not be blank"
    if len(text) > MAX_ATTRIBUTE_TEXT:
        return f"must be at most {MAX_ATTRIBUTE_TEXT} characters"
    if any(ord(ch) < 32 for ch in text):
        return "must not contain control characters"
    return None


@dataclass(frozen=True, slots=True)
class AttributeFilter:
    """`attr.<name>=<value>` parameters of one attribute name: any of the values (OR)."""

    name: str
    values: tuple[str, ...]

    @property
    def tokens(self) -> list[str]:
        return [attribute_token(self.name, value) for value in self.values]


class AttributeFilterError(ValueError):
    """An attribute filter parameter that cannot be used; `field` names it as the API reports fields."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_attribute_filters(pairs: Sequence[tuple[str, str]]) -> tuple[AttributeFilter, ...]:
    """The attribute filters among query parameters: every `attr.<name>=<value>`, grouped by name.

    Different names must all hold (AND); values of one name are alternatives (OR). Values are matched
    exactly as stored on the SKUs (and as the attribute facet lists them).
    """
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if not key.startswith(ATTRIBUTE_PARAM_PREFIX):
            continue
        field = f"query.{key}"
        name = key[len(ATTRIBUTE_PARAM_PREFIX) :]
        for part, text in (("name", name), ("value", value)):
            problem = _attribute_text_problem(text)
            if problem is not None:
                raise AttributeFilterError(f"the attribute {part} {problem}", field)
        values = grouped.setdefault(name, [])
        if value not in values:
            values.append(value)
        if len(values) > MAX_ATTRIBUTE_VALUES:
            raise AttributeFilterError(f"at most {MAX_ATTRIBUTE_VALUES} values per attribute", field)
    if len(grouped) > MAX_ATTRIBUTE_FILTERS:
        raise AttributeFilterError(f"at most {MAX_ATTRIBUTE_FILTERS} attribute names", "query.attr")
    return tuple(AttributeFilter(name, tuple(values)) for name, values in sorted(grouped.items()))


# Lower bounds of the price facet's buckets, in minor units of a two-decimal currency (0, 10.00, 25.00,
# ...); each bucket runs to one unit below the next bound, and the last has no upper end.
PRICE_BUCKET_FLOORS: tuple[int, ...] = (0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000)


def price_bucket(floor_index: int) -> tuple[int, int | None]:
    """(min, max) of a bucket, both inclusive, so `min_price=min&max_price=max` lists what it counted."""
    low = PRICE_BUCKET_FLOORS[floor_index]
    if floor_index + 1 < len(PRICE_BUCKET_FLOORS):
        return low, PRICE_BUCKET_FLOORS[floor_index + 1] - 1
    return low, None


RATING_STEPS: tuple[int, ...] = (4, 3, 2, 1)  # the rating facet: products rated at least this


def estimated_count(sampled: int, scale: float) -> int:
    """A count seen in a sample, scaled to the whole and rounded to two significant digits (at least 1)."""
    if sampled <= 0:
        return 0
    value = sampled * scale
    if value < 100:
        return max(1, round(value))
    digits = len(str(int(value))) - 2
    return int(round(value, -digits))
