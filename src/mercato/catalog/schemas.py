"""Request bodies of the catalog API: strict (unknown fields, wrong types and nulls are a 422 naming the field).

Numbers that are money or measures are strict integers ("100" or 100.0 is refused, not coerced);
text may not carry NUL characters, which PostgreSQL cannot store.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from mercato.catalog.domain import (
    MAX_PRICE,
    MAX_RATING,
    MAX_WEIGHT_GRAMS,
    MIN_RATING,
    ProductStatus,
    SkuDraft,
    SkuStatus,
    is_valid_slug,
)
from mercato.http.schema_base import RequestBody
from mercato.kernel.money import normalize_currency


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _slug(value: str) -> str:
    if not is_valid_slug(value):
        raise ValueError("a slug is lower-case letters and digits joined by single hyphens")
    return value


def _currency(value: str) -> str:
    return normalize_currency(value)


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_nul)]
LongText = Annotated[str, Field(max_length=20_000), AfterValidator(_no_nul)]
Slug = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_slug)]
SkuCode = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_no_nul)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_currency)]
Price = Annotated[StrictInt, Field(ge=0, le=MAX_PRICE)]
WeightGrams = Annotated[StrictInt, Field(ge=0, le=MAX_WEIGHT_GRAMS)]


def _attribute_value(value: Any) -> str | int | bool:
    if isinstance(value, bool | int) and abs(value) <= MAX_PRICE:
        return value
    if isinstance(value, str) and len(value) <= 200:
        return _no_nul(value)
    raise ValueError("an attribute value is a string (up to 200 characters), an integer or a boolean")


AttributeValue = Annotated[
    str | int | bool,
    PlainValidator(_attribute_value),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 200}, {"type": "integer"}, {"type": "boolean"}]}),
]
Attributes = Annotated[dict[Annotated[str, Field(min_length=1, max_length=50)], AttributeValue], Field(max_length=32)]


def _attributes_clean(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        for key in value:
            _no_nul(key)
    return value


class SkuBody(RequestBody):
    """A SKU in `POST /v1/merchant/products` and `POST /v1/merchant/products/{id}/skus`."""

    code: SkuCode
    price: Price
    currency: Currency
    attributes: Attributes = Field(default_factory=dict)
    weight_grams: WeightGrams = 0
    digital: StrictBool = False

    _clean_attributes = field_validator("attributes")(_attributes_clean)

    def draft(self) -> SkuDraft:
        """The SKU as the services take it."""
        return SkuDraft(
            code=self.code,
            price=self.price,
            currency=self.currency,
            attributes=dict(self.attributes),
            weight_grams=self.weight_grams,
            digital=self.digital,
        )


class ProductCreateBody(RequestBody):
    """`POST /v1/merchant/products`: brand and category by slug; active unless `status: "draft"`."""

    name: Name
    description: LongText = ""
    brand: Slug
    category: Slug
    status: Literal["active", "draft"] = "active"
    skus: list[SkuBody] = Field(min_length=1, max_length=100)

    @property
    def product_status(self) -> ProductStatus:
        return ProductStatus(self.status)


class _Patch(RequestBody):
    """A PATCH body: every field optional, but a field that is sent may not be null."""

    @model_validator(mode="after")
    def _no_nulls(self) -> _Patch:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"fields may be left out but not null: {', '.join(sorted(nulls))}")
        return self


class ProductPatchBody(_Patch):
    """`PATCH /v1/merchant/products/{id}`."""

    name: Name | None = None
    description: LongText | None = None
    brand: Slug | None = None
    category: Slug | None = None
    status: Literal["active", "draft"] | None = None


class SkuPatchBody(_Patch):
    """`PATCH /v1/merchant/skus/{sku_id}`."""

    price: Price | None = None
    attributes: Attributes | None = None
    weight_grams: WeightGrams | None = None
    digital: StrictBool | None = None
    status: Literal["active", "archived"] | None = None

    _clean_attributes = field_validator("attributes")(_attributes_clean)

    @property
    def sku_status(self) -> SkuStatus | None:
        return SkuStatus(self.status) if self.status is not None else None


class ReviewBody(RequestBody):
    """`POST /v1/products/{id}/reviews`."""

    rating: Annotated[StrictInt, Field(ge=MIN_RATING, le=MAX_RATING)]
    title: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_nul)]
    body: Annotated[str, Field(max_length=5_000), AfterValidator(_no_nul)] = ""


class BrandBody(RequestBody):
    """`POST /v1/admin/brands`."""

    slug: Slug
    name: Name


class CategoryBody(RequestBody):
    """`POST /v1/admin/categories`: `parent` is the parent category's slug; none makes a root."""

    slug: Slug
    name: Name
    parent: Slug | None = None
