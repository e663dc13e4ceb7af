"""What `GET /v1/products` answers: the catalog's product list, plus facets when they are asked for.

`facets` and `facet_counts` are left out of the answer unless `facets=` was given, and a facet that was
not asked for is left out of `facets`, so plain browsing answers exactly the catalog's list shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from mercato.catalog import ProductList


def _without_none(handler: SerializerFunctionWrapHandler, model: BaseModel, names: tuple[str, ...]) -> Any:
    data = handler(model)
    for name in names:
        if data.get(name) is None:
            data.pop(name, None)
    return data


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
    brand: list[LabelledCount] | None = None
    category: list[LabelledCount] | None = None
    price: list[PriceCount] | None = None
    rating: list[RatingCount] | None = None
    attributes: dict[str, list[ValueCount]] | None = None

    @model_serializer(mode="wrap")
    def _only_asked(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_none(handler, self, ("brand", "category", "price", "rating", "attributes"))


class SearchResults(ProductList):
    """A page of products; with `facets=`, the facet counts of everything that matched."""

    facets: Facets | None = None
    # "exact" when every count is exact; "estimated" when more products matched than the exact-count
    # threshold and counts were scaled from a sample (see docs/search.md).
    facet_counts: Literal["exact", "estimated"] | None = None

    @model_serializer(mode="wrap")
    def _facets_when_asked(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_none(handler, self, ("facets", "facet_counts"))
