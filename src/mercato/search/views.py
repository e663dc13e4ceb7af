"""What `GET /v1/products` answers: the catalog's product list, plus facets when they are asked for.

`facets` and `facet_counts` are left out of the answer unless `facets=` was given, and a facet that was
not asked for is left out of `facets`, so plain browsing answers exactly the catalog's list shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mercato.catalog import ProductList


def _is_none(value: Any) -> bool:
    return value is None


# Left out of the JSON when not set. A per-field test keeps serialising on pydantic's compiled path; a
# model-level wrap serializer made it build the whole page as Python objects first (seen in a profile).
_OMITTED_WHEN_NONE: Any = Field(default=None, exclude_if=_is_none)


class LabelledCount(BaseModel):
    value: str  # the slug to filter by (brand=…, category=…)
    label: str  # the name to show
    count: int


class PriceCount(BaseModel):
    min: int  # minor units, inclusive: min_price=min&max_price=max lists what was counted
    max: int | None  # inclusive; None for the open-ended top bucket
    count: int


class RatingCount(BaseModel):
    min_rating: int
    count: int


class ValueCount(BaseModel):
    value: str  # exactly as stored on the SKUs: attr.<name>=<value> filters by it
    count: int


class Facets(BaseModel):
    brand: list[LabelledCount] | None = _OMITTED_WHEN_NONE
    category: list[LabelledCount] | None = _OMITTED_WHEN_NONE
    price: list[PriceCount] | None = _OMITTED_WHEN_NONE
    rating: list[RatingCount] | None = _OMITTED_WHEN_NONE
    attributes: dict[str, list[ValueCount]] | None = _OMITTED_WHEN_NONE


class SearchResults(ProductList):
    """A page of products; with `facets=`, the facet counts of everything that matched."""

    facets: Facets | None = _OMITTED_WHEN_NONE
    # "exact" when every count is exact; "estimated" when more products matched than the exact-count
    # threshold and counts were scaled from a sample (see docs/search.md).
    facet_counts: Literal["exact", "estimated"] | None = _OMITTED_WHEN_NONE
