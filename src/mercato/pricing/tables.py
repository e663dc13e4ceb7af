"""Tables of the pricing context: tax rates by destination, coupons and their redemptions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from mercato.db.metadata import created_at, metadata, updated_at

tax_rates = Table(
    "tax_rates",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("country", Text, nullable=False),  # ISO 3166-1 alpha-2, upper case
    Column("region", Text, nullable=False, server_default=text("''")),  # '' = whole country
    Column("postal_prefix", Text, nullable=False, server_default=text("''")),  # '' = whole region
    Column("rate_bps", Integer, nullable=False),  # basis points: 825 = 8.25 %
    created_at(),
    CheckConstraint("rate_bps >= 0 AND rate_bps <= 10000", name="rate_range"),
    UniqueConstraint("country", "region", "postal_prefix"),
)

coupons = Table(
    "coupons",
    metadata,
    Column("code", Text, primary_key=True),  # stored upper case
    Column("kind", Text, nullable=False),
    Column("value", Integer, nullable=False, server_default=text("0")),  # bps for percent, minor units for fixed
    Column("currency", Text),
    Column("min_subtotal", Integer, nullable=False, server_default=text("0")),
    Column("starts_at", DateTime(timezone=True)),
    Column("ends_at", DateTime(timezone=True)),
    Column("max_redemptions", Integer),
    Column("per_customer_limit", Integer),
    Column("redemptions", Integer, nullable=False, server_default=text("0")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    created_at(),
    updated_at(),
    CheckConstraint("kind IN ('percent', 'fixed', 'free_shipping')", name="kind"),
    CheckConstraint("value >= 0 AND min_subtotal >= 0", name="amounts"),
    CheckConstraint("kind <> 'percent' OR value <= 10000", name="percent_range"),
    CheckConstraint("kind <> 'fixed' OR currency IS NOT NULL", name="fixed_has_currency"),
    CheckConstraint("max_redemptions IS NULL OR redemptions <= max_redemptions", name="within_total_limit"),
    CheckConstraint("redemptions >= 0", name="redemptions_nonnegative"),
)

coupon_redemptions = Table(
    "coupon_redemptions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("code", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("checkout_id", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    created_at(),
    CheckConstraint("status IN ('active', 'released')", name="status"),
    Index("ix_coupon_redemptions_user", "code", "user_id", postgresql_where=text("status = 'active'")),
)
