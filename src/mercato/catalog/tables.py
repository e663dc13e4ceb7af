"""Tables of the catalog context: categories (a tree), brands, products, SKUs, images, reviews.

`products.price_min/price_max` and the rating summary are denormalised in the same transaction as
the SKU or review write, so listing and sorting never aggregate at read time.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from mercato.db.metadata import created_at, metadata, updated_at

categories = Table(
    "categories",
    metadata,
    Column("id", Text, primary_key=True),
    Column("parent_id", Text, ForeignKey("categories.id")),
    Column("slug", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("path", Text, nullable=False, unique=True),  # slugs joined by '/', root first
    created_at(),
)

brands = Table(
    "brands",
    metadata,
    Column("id", Text, primary_key=True),
    Column("slug", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    created_at(),
)

products = Table(
    "products",
    metadata,
    Column("id", Text, primary_key=True),
    Column("merchant_id", Text, nullable=False),  # identity's id; no FK across contexts
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=text("''")),
    Column("brand_id", Text, ForeignKey("brands.id"), nullable=False),
    Column("category_id", Text, ForeignKey("categories.id"), nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    Column("currency", Text, nullable=False),
    Column("price_min", Integer),
    Column("price_max", Integer),
    Column("rating_count", Integer, nullable=False, server_default=text("0")),
    Column("rating_total", Integer, nullable=False, server_default=text("0")),
    Column("rating_avg", Numeric(3, 2), nullable=False, server_default=text("0")),
    created_at(),
    updated_at(),
    CheckConstraint("status IN ('active', 'draft', 'archived')", name="status"),
    CheckConstraint("price_min IS NULL OR (price_min >= 0 AND price_max >= price_min)", name="price_range"),
    CheckConstraint("rating_count >= 0 AND rating_total >= 0", name="rating"),
    Index("ix_products_merchant", "merchant_id", "id"),
    Index("ix_products_active_newest", "created_at", "id", postgresql_where=text("status = 'active'")),
    Index("ix_products_active_price", "price_min", "id", postgresql_where=text("status = 'active'")),
    Index("ix_products_active_rating", "rating_avg", "id", postgresql_where=text("status = 'active'")),
    Index("ix_products_brand", "brand_id"),
    Index("ix_products_category", "category_id"),
)

skus = Table(
    "skus",
    metadata,
    Column("id", Text, primary_key=True),
    Column("product_id", Text, ForeignKey("products.id"), nullable=False),
    Column("merchant_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("attributes", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("price", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("weight_grams", Integer, nullable=False, server_default=text("0")),
    Column("digital", Boolean, nullable=False, server_default=text("false")),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    created_at(),
    updated_at(),
    CheckConstraint("price >= 0", name="price_nonnegative"),
    CheckConstraint("weight_grams >= 0", name="weight_nonnegative"),
    CheckConstraint("status IN ('active', 'archived')", name="status"),
    UniqueConstraint("merchant_id", "code"),
    Index("ix_skus_product", "product_id"),
)

product_images = Table(
    "product_images",
    metadata,
    Column("id", Text, primary_key=True),
    Column("product_id", Text, ForeignKey("products.id"), nullable=False),
    Column("storage_key", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("alt", Text, nullable=False, server_default=text("''")),
    Column("content_type", Text, nullable=False),
    Column("position", SmallInteger, nullable=False, server_default=text("0")),
    created_at(),
    Index("ix_product_images_product", "product_id", "position"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Text, primary_key=True),
    Column("product_id", Text, ForeignKey("products.id"), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("author_name", Text, nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    created_at(),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    UniqueConstraint("product_id", "user_id"),
    Index("ix_reviews_product_newest", "product_id", "created_at", "id"),
)
