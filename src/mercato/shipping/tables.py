"""Tables of the shipping context: destination zones and per-carrier rates by zone and weight."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, Table, Text, UniqueConstraint, text

from mercato.db.metadata import metadata

shipping_zones = Table(
    "shipping_zones",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("country", Text, nullable=False),  # '*' = anywhere not matched more precisely
    Column("region", Text, nullable=False, server_default=text("''")),  # '' = whole country
    Column("zone", Text, nullable=False),
    UniqueConstraint("country", "region"),
)

shipping_rates = Table(
    "shipping_rates",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("carrier", Text, nullable=False),
    Column("zone", Text, nullable=False),
    Column("max_weight_grams", Integer, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    CheckConstraint("amount >= 0 AND max_weight_grams > 0", name="amounts"),
    UniqueConstraint("carrier", "zone", "max_weight_grams", "currency"),
)
