"""What the catalog answers: the product, SKU, review, brand and category shapes of the API.

Read models built by the services and serialised as they are; request bodies live in `schemas.py`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class BrandRef(BaseModel):
    slug: str
    name: str


class CategoryRef(BaseModel):
    slug: str
    name: str
    path: str


class MerchantRef(BaseModel):
    id: str
    name: str


class RatingSummary(BaseModel):
    average: float  # to two decimals; a display figure, not money
    count: int


class ImageView(BaseModel):
    url: str
    alt: str


class SkuView(BaseModel):
    id: str
    object: Literal["sku"] = "sku"
    product_id: str
    code: str
    attributes: dict[str, Any]
    price: int
    currency: str
    available: int  # units that can be bought now: on hand minus reserved, all warehouses
    digital: bool
    weight_grams: int
    status: str


class ProductView(BaseModel):
    id: str
    object: Literal["product"] = "product"
    name: str
    slug: str
    description: str
    brand: BrandRef
    category: CategoryRef
    merchant: MerchantRef
    rating: RatingSummary
    currency: str
    price_min: int | None  # None only while a product has no active SKU (never in public lists)
    price_max: int | None
    images: list[ImageView]
    skus: list[SkuView]
    status: str
    created_at: str
    updated_at: str


class ReviewView(BaseModel):
    id: str
    object: Literal["review"] = "review"
    product_id: str
    rating: int
    title: str
    body: str
    author_name: str
    created_at: str


class ReviewList(BaseModel):
    object: Literal["list"] = "list"
    items: list[ReviewView]
    next_cursor: str | None


class ProductDetailView(ProductView):
    reviews: ReviewList  # the first page; the rest at GET /v1/products/{id}/reviews


class ProductList(BaseModel):
    object: Literal["list"] = "list"
    items: list[ProductView]
    next_cursor: str | None


class BrandView(BaseModel):
    id: str
    object: Literal["brand"] = "brand"
    slug: str
    name: str


class BrandList(BaseModel):
    object: Literal["list"] = "list"
    items: list[BrandView]
    next_cursor: str | None


class CategoryView(BaseModel):
    id: str
    object: Literal["category"] = "category"
    slug: str
    name: str
    path: str
    parent: str | None  # the parent's slug; None for a root


class CategoryList(BaseModel):
    object: Literal["list"] = "list"
    items: list[CategoryView]
    next_cursor: str | None
