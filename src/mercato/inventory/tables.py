"""Tables of the inventory context: warehouses, stock per SKU and warehouse, the ledger, reservations.

The CHECK constraints make negative or over-reserved stock impossible whatever the code does; the
ledger is append-only and is the audit trail that `on_hand` must always sum to.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    text,
)

from mercato.db.metadata import created_at, metadata, updated_at

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", Text, primary_key=True),
    Column("merchant_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("country", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("priority", Integer, nullable=False, server_default=text("100")),
    created_at(),
    Index("ix_warehouses_merchant", "merchant_id", "priority"),
)

inventory = Table(
    "inventory",
    metadata,
    Column("sku_id", Text, primary_key=True),
    Column("warehouse_id", Text, ForeignKey("warehouses.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, server_default=text("0")),
    Column("reserved", Integer, nullable=False, server_default=text("0")),
    updated_at(),
    CheckConstraint("on_hand >= 0", name="on_hand_nonnegative"),
    CheckConstraint("reserved >= 0", name="reserved_nonnegative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
)

inventory_ledger = Table(
    "inventory_ledger",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("sku_id", Text, nullable=False),
    Column("warehouse_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reserved_delta", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reference", Text),
    Column("actor", Text),
    created_at(),
    CheckConstraint("kind IN ('receive', 'adjust', 'reserve', 'release', 'commit', 'return')", name="kind"),
    Index("ix_inventory_ledger_sku", "sku_id", "id"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("sku_id", Text, nullable=False),
    Column("warehouse_id", Text, nullable=False),
    Column("holder", Text, nullable=False),  # the checkout session (or cart) holding the stock
    Column("qty", Integer, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    created_at(),
    updated_at(),
    CheckConstraint("qty > 0", name="qty_positive"),
    CheckConstraint("status IN ('active', 'released', 'committed')", name="status"),
    Index("ix_reservations_holder", "holder"),
    Index("ix_reservations_active_expiry", "expires_at", postgresql_where=text("status = 'active'")),
    Index("ix_reservations_active_sku", "sku_id", "warehouse_id", postgresql_where=text("status = 'active'")),
    # One live reservation per holder, SKU and warehouse: a retried reserve for the same checkout cannot
    # double-reserve even when the two attempts race (migration 0200).
    Index(
        "uq_reservations_active_holder",
        "holder",
        "sku_id",
        "warehouse_id",
        unique=True,
        postgresql_where=text("status = 'active'"),
    ),
)

# Invariant breaches already reported as stock.oversold (one incident per breach, however often audited).
stock_incidents = Table(
    "stock_incidents",
    metadata,
    Column("sku_id", Text, primary_key=True),
    Column("warehouse_id", Text, primary_key=True),
    Column("signature", Text, primary_key=True),
    Column("reported_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
)
