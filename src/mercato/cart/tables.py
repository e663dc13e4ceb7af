"""Tables of the cart context: carts (guest or customer) and their lines, saved-for-later included."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from mercato.db.metadata import created_at, metadata, updated_at

carts = Table(
    "carts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text),
    Column("token_hash", Text),  # guests prove ownership with the cart_token; only its hash is kept
    Column("currency", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    created_at(),
    updated_at(),
    Column("expires_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('active', 'checking_out', 'converted', 'merged', 'expired')", name="status"),
    CheckConstraint("user_id IS NOT NULL OR token_hash IS NOT NULL", name="has_owner"),
    # A customer has at most one active cart, even when two first adds race (migration 0200).
    Index("uq_carts_user_active", "user_id", unique=True, postgresql_where=text("status = 'active'")),
    Index("ix_carts_guest_expiry", "expires_at", postgresql_where=text("user_id IS NULL")),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("id", Text, primary_key=True),
    Column("cart_id", Text, ForeignKey("carts.id", ondelete="CASCADE"), nullable=False),
    Column("sku_id", Text, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("added_price", Integer, nullable=False),
    Column("saved_for_later", Boolean, nullable=False, server_default=text("false")),
    created_at(),
    updated_at(),
    CheckConstraint("qty > 0", name="qty_positive"),
    CheckConstraint("added_price >= 0", name="added_price_nonnegative"),
    UniqueConstraint("cart_id", "sku_id", "saved_for_later"),
)
