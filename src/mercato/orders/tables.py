"""Tables of the orders context: orders with price snapshots, items, shipments and transition history."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from sqlalchemy.dialects.postgresql import JSONB

from mercato.db.metadata import created_at, metadata, updated_at

ORDER_STATES = "'created', 'confirmed', 'shipped', 'delivered', 'canceled', 'refunded'"

orders = Table(
    "orders",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("checkout_id", Text, unique=True),
    Column("status", Text, nullable=False, server_default=text("'created'")),
    Column("currency", Text, nullable=False),
    Column("subtotal", Integer, nullable=False),
    Column("shipping_total", Integer, nullable=False),
    Column("tax_total", Integer, nullable=False),
    Column("discount_total", Integer, nullable=False, server_default=text("0")),
    Column("total", Integer, nullable=False),
    Column("tax_estimated", Boolean, nullable=False, server_default=text("false")),
    Column("coupon_code", Text),
    Column("shipping_address", JSONB, nullable=False),
    created_at(),
    updated_at(),
    CheckConstraint(f"status IN ({ORDER_STATES})", name="status"),
    CheckConstraint("total = subtotal + shipping_total + tax_total - discount_total", name="total_adds_up"),
    CheckConstraint("subtotal >= 0 AND shipping_total >= 0 AND tax_total >= 0 AND discount_total >= 0", name="amounts"),
    Index("ix_orders_user_newest", "user_id", "created_at", "id"),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, ForeignKey("orders.id"), nullable=False),
    Column("merchant_id", Text, nullable=False),
    Column("warehouse_id", Text),  # null for digital-only shipments
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("carrier", Text),
    Column("tracking_number", Text),
    Column("shipping", Integer, nullable=False),
    Column("shipped_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    created_at(),
    updated_at(),
    CheckConstraint("status IN ('pending', 'shipped', 'delivered', 'canceled')", name="status"),
    Index("ix_shipments_order", "order_id"),
    Index("ix_shipments_merchant", "merchant_id", "created_at"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, ForeignKey("orders.id"), nullable=False),
    Column("shipment_id", Text, ForeignKey("shipments.id")),
    Column("sku_id", Text, nullable=False),
    Column("product_id", Text, nullable=False),
    Column("merchant_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price", Integer, nullable=False),
    Column("tax", Integer, nullable=False),
    Column("discount", Integer, nullable=False, server_default=text("0")),
    Column("total", Integer, nullable=False),
    Column("digital", Boolean, nullable=False, server_default=text("false")),
    CheckConstraint("qty > 0", name="qty_positive"),
    CheckConstraint("unit_price >= 0 AND tax >= 0 AND discount >= 0", name="amounts"),
    Index("ix_order_items_order", "order_id"),
    Index("ix_order_items_merchant", "merchant_id", "order_id"),
)

order_history = Table(
    "order_history",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("order_id", Text, ForeignKey("orders.id"), nullable=False),
    Column("from_status", Text),
    Column("to_status", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("ix_order_history_order", "order_id", "id"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Text, primary_key=True),
    Column("order_id", Text, ForeignKey("orders.id"), nullable=False),
    Column("merchant_id", Text, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("items", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("restock", Boolean, nullable=False, server_default=text("false")),
    Column("reason", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("payment_id", Text),
    created_at(),
    updated_at(),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
    Index("ix_refunds_order", "order_id", "merchant_id"),
)
