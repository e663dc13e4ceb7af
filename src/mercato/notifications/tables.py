"""Tables of the notifications context: customer messages and preferences, "notify me" subscriptions,
merchant webhook endpoints and their deliveries.

Messages and webhook deliveries are rows first and network calls second: the event consumer writes them
in its transaction (exactly once per event), and the worker's senders claim due rows with a lease, so a
slow SMTP server or webhook endpoint only ever delays its own rows.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from mercato.db.metadata import created_at, metadata, updated_at

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("phone", Text),  # E.164; SMS is only ever sent to a number the customer gave here
    Column("email", JSONB, nullable=False, server_default=text("'{}'::jsonb")),  # category -> bool overrides
    Column("sms", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    updated_at(),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("template", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("subject", Text),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    created_at(),
    Column("sent_at", DateTime(timezone=True)),
    CheckConstraint("channel IN ('email', 'sms')", name="channel"),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    Index("ix_notifications_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("uq_notifications_event_user_channel", "event_id", "user_id", "channel", "template", unique=True),
    Index("ix_notifications_user", "user_id", "created_at"),
)

stock_subscriptions = Table(
    "stock_subscriptions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("sku_id", Text, nullable=False),
    created_at(),
    Column("notified_at", DateTime(timezone=True)),
    Index(
        "uq_stock_subscriptions_waiting",
        "sku_id",
        "user_id",
        unique=True,
        postgresql_where=text("notified_at IS NULL"),
    ),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Text, primary_key=True),
    Column("merchant_id", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("description", Text),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("status", Text, nullable=False, server_default=text("'enabled'")),
    Column("secret", Text, nullable=False),
    Column("previous_secret", Text),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    created_at(),
    updated_at(),
    CheckConstraint("status IN ('enabled', 'disabled')", name="status"),
    Index("ix_webhook_endpoints_merchant", "merchant_id", "created_at", "id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Text, primary_key=True),
    Column("endpoint_id", Text, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("merchant_id", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("body", JSONB, nullable=False),  # the scoped event exactly as the merchant receives it
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("last_status_code", SmallInteger),
    Column("last_error", Text),
    Column("redelivery_of", Text),
    created_at(),
    Column("delivered_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('pending', 'succeeded', 'dead')", name="status"),
    Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"),
    Index(
        "uq_webhook_deliveries_endpoint_event",
        "endpoint_id",
        "event_id",
        unique=True,
        postgresql_where=text("redelivery_of IS NULL"),
    ),
)
