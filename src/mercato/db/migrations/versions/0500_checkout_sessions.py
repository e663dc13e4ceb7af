"""Checkout sessions: the persisted saga of each checkout attempt.

Revision ID: 0500_checkout
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0500_checkout"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkout_sessions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("cart_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'running'"), nullable=False),
        sa.Column("steps_done", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("state", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("error", postgresql.JSONB(), nullable=True),
        sa.Column("order_id", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'compensating', 'failed')", name=op.f("ck_checkout_sessions_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkout_sessions")),
        sa.UniqueConstraint("user_id", "idempotency_key", name=op.f("uq_checkout_sessions_user_id")),
    )
    op.create_index(
        "ix_checkout_sessions_unfinished",
        "checkout_sessions",
        ["lease_until"],
        unique=False,
        postgresql_where=sa.text("status IN ('running', 'compensating')"),
    )


def downgrade() -> None:
    op.drop_index("ix_checkout_sessions_unfinished", table_name="checkout_sessions")
    op.drop_table("checkout_sessions")
