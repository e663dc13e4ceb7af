"""Payloads of the identity and catalog contexts' events (as `identity/service.py` and `catalog/` emit them)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from mercato.events.payloads.base import Payload


class UserRegistered(Payload):
    user_id: str
    role: Literal["customer", "merchant_staff", "admin"]


class MerchantCreated(Payload):
    merchant_id: str
    name: str


class BrandCreated(Payload):
    brand_id: str


class CategoryCreated(Payload):
    category_id: str
    path: str = Field(description="slugs joined by '/', root first")


class ProductCreated(Payload):
    product_id: str
    merchant_id: str
    status: str
    sku_ids: list[str]


class ProductUpdated(Payload):
    product_id: str
    merchant_id: str
    fields: list[str] = Field(description="names of the fields that changed (`images` for a new image)")
    status: str | None = None
    image_id: str | None = None


class ProductArchived(Payload):
    product_id: str
    merchant_id: str


class SkuCreated(Payload):
    sku_id: str
    product_id: str
    merchant_id: str
    code: str
    price: int = Field(description="minor units")
    currency: str


class SkuUpdated(Payload):
    sku_id: str
    product_id: str
    merchant_id: str
    fields: list[str]
    price: int
    previous_price: int
    currency: str


class ReviewCreated(Payload):
    review_id: str
    product_id: str
    merchant_id: str
    user_id: str
    rating: int = Field(ge=1, le=5)
