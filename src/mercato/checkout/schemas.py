"""The checkout request body (strict: unknown fields are a 422)."""

from __future__ import annotations

from pydantic import Field, field_validator

from mercato.http.schema_base import RequestBody


class ShippingAddress(RequestBody):
    """Where the goods go; country is ISO 3166-1 alpha-2, region the state or province code."""

    name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=1, max_length=50)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    phone: str | None = Field(default=None, max_length=40)

    @field_validator("country", "region")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class CheckoutRequest(RequestBody):
    """`POST /v1/checkout`: which cart, where to, how to pay, and optionally a coupon."""

    cart_id: str = Field(min_length=1, max_length=64)
    shipping_address: ShippingAddress
    payment_method_token: str = Field(min_length=1, max_length=255)
    coupon_code: str | None = Field(default=None, max_length=64)
    accept_price_changes: bool = False
