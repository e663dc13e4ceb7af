"""Payloads of the identity and catalog contexts' events."""

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


class ProductChanged(Payload):
    """product.created / product.updated / product.deleted."""

    product_id: str
    merchant_id: str
    name: str | None = None
    status: str | None = None
    changed: list[str] = Field(default_factory=list, description="names of the fields that changed (updates)")


class SkuChanged(Payload):
    """sku.created / sku.updated."""

    sku_id: str
    product_id: str
    merchant_id: str
    price: int | None = Field(default=None, description="minor units")
    currency: str | None = None
    status: str | None = None
    changed: list[str] = Field(default_factory=list)


class ReviewCreated(Payload):
    review_id: str
    product_id: str
    merchant_id: str
    user_id: str
    rating: int = Field(ge=1, le=5)
