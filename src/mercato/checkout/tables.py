"""The checkout context's one table: a persisted saga per checkout attempt.

A session row records which steps completed and what they produced, so a crash at any point can be
resumed (a retry with the same Idempotency-Key) or compensated (the recovery job) — never left
holding stock or an authorization.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Table, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB

from mercato.db.metadata import created_at, metadata, updated_at

checkout_sessions = Table(
    "checkout_sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False),
    Column("cart_id", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'running'")),
    Column("steps_done", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("state", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("error", JSONB),
    Column("order_id", Text),
    Column("lease_until", DateTime(timezone=True), nullable=False),
    # Set once, by the job that emitted reservation.expiring for this checkout (its claim).
    Column("expiry_reminded_at", DateTime(timezone=True)),
    created_at(),
    updated_at(),
    CheckConstraint(
        "status IN ('running', 'completed', 'compensating', 'failed')",
        name="status",
    ),
    UniqueConstraint("user_id", "idempotency_key"),
    Index(
        "ix_checkout_sessions_unfinished", "lease_until", postgresql_where=text("status IN ('running', 'compensating')")
    ),
)
