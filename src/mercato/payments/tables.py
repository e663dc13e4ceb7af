"""Tables of the payments context: one payment per order (or checkout) and every PSP attempt.

An attempt is written *before* the PSP is called, with the idempotency key it will use, so that a crash
or timeout leaves a row whose outcome reconciliation can resolve: nothing is charged off the books.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Table, Text, text

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
    created_at(),
    updated_at(),
    CheckConstraint(
        "status IN ('pending', 'authorized', 'partially_captured', 'captured', 'voided',"
        " 'partially_refunded', 'refunded', 'failed')",
        name="status",
    ),
    CheckConstraint("amount >= 0", name="amount_nonnegative"),
    CheckConstraint("amount_captured <= amount_authorized", name="captured_within_authorized"),
    CheckConstraint("amount_refunded <= amount_captured", name="refunded_within_captured"),
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
    created_at(),
    updated_at(),
    CheckConstraint("operation IN ('authorize', 'capture', 'void', 'refund')", name="operation"),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'unknown')", name="status"),
    Index("ix_payment_attempts_payment", "payment_id", "created_at"),
    Index("ix_payment_attempts_unresolved", "updated_at", postgresql_where=text("status IN ('pending', 'unknown')")),
)
