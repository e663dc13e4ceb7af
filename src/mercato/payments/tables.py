"""Tables of the payments context: one payment per order (or checkout) and every PSP attempt.

An attempt is written *before* the PSP is called, with the idempotency key it will use, so that a crash
or timeout leaves a row whose outcome reconciliation can resolve: nothing is charged off the books.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from mercato.db.metadata import created_at, metadata, updated_at

payments = Table(
    "payments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("checkout_id", Text, unique=True),
    Column("order_id", Text, unique=True),
    Column("user_id", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("amount", Integer, nullable=False),
    Column("amount_authorized", Integer, nullable=False, server_default=text("0")),
    Column("amount_captured", Integer, nullable=False, server_default=text("0")),
    Column("amount_refunded", Integer, nullable=False, server_default=text("0")),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("provider", Text),
    Column("psp_reference", Text),
    Column("authorized_at", DateTime(timezone=True)),
    Column(
        "void_requested_at", DateTime(timezone=True)
    ),  # a failed checkout asked for a void the PSP could not take yet
    Column("authorization_expires_at", DateTime(timezone=True)),
    # The merchants the payment pays (given by the checkout), so payment events can be attributed to them.
    Column("merchant_ids", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    created_at(),
    updated_at(),
    CheckConstraint(
        "status IN ('pending', 'authorized', 'partially_captured', 'captured', 'voided',"
        " 'partially_refunded', 'refunded', 'failed', 'expired')",
        name="status",
    ),
    CheckConstraint("amount >= 0", name="amount_nonnegative"),
    CheckConstraint("amount_captured <= amount_authorized", name="captured_within_authorized"),
    CheckConstraint("amount_refunded <= amount_captured", name="refunded_within_captured"),
    Index("ix_payments_psp_reference", "psp_reference"),
    Index(
        "ix_payments_authorization_expiry",
        "authorization_expires_at",
        postgresql_where=text("status IN ('authorized', 'partially_captured')"),
    ),
)

payment_attempts = Table(
    "payment_attempts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("payment_id", Text, ForeignKey("payments.id"), nullable=False),
    Column("operation", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("amount", Integer, nullable=False),
    Column("psp_reference", Text),
    Column("decline_code", Text),
    Column("error_code", Text),
    Column("latency_ms", Integer),
    # The caller's key for the operation (several attempts may share it: fallback, retry after unavailability).
    Column("request_key", Text),
    # The exact parameters sent, so a replay under the same idempotency key is byte-for-byte the same request.
    Column("request", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # What the PSP created, when it is not the payment itself (a refund's id).
    Column("result_reference", Text),
    Column("resolved_by", Text),
    Column("reconcile_tries", Integer, nullable=False, server_default=text("0")),
    Column("next_reconcile_at", DateTime(timezone=True)),
    created_at(),
    updated_at(),
    CheckConstraint("operation IN ('authorize', 'capture', 'void', 'refund')", name="operation"),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'unknown')", name="status"),
    Index("ix_payment_attempts_payment", "payment_id", "created_at"),
    Index("ix_payment_attempts_unresolved", "updated_at", postgresql_where=text("status IN ('pending', 'unknown')")),
    Index("ix_payment_attempts_request", "payment_id", "operation", "request_key"),
    # Money movement on one payment is serialised: at most one attempt in flight (or unresolved) at a time.
    Index(
        "ux_payment_attempts_in_flight",
        "payment_id",
        unique=True,
        postgresql_where=text("status IN ('pending', 'unknown')"),
    ),
)

payment_reviews = Table(
    "payment_reviews",
    metadata,
    Column("id", Text, primary_key=True),
    Column("payment_id", Text, ForeignKey("payments.id"), nullable=False),
    Column("attempt_id", Text),
    Column("provider", Text),
    Column("psp_reference", Text),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False),
    # One open review per problem: `reason:attempt_or_payment_id`.
    Column("dedupe_key", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'open'")),
    Column("resolution", Text),
    Column("note", Text),
    Column("resolved_by", Text),
    Column("resolved_at", DateTime(timezone=True)),
    created_at(),
    updated_at(),
    CheckConstraint("status IN ('open', 'resolved')", name="status"),
    Index("ix_payment_reviews_status", "status", "created_at", "id"),
    Index("ux_payment_reviews_open", "dedupe_key", unique=True, postgresql_where=text("status = 'open'")),
)

psp_webhook_events = Table(
    "psp_webhook_events",
    metadata,
    Column("provider", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("psp_reference", Text),
    Column("outcome", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("provider", "event_id", name="pk_psp_webhook_events"),
)
