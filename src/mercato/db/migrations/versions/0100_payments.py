"""Payments: authorization expiry, replayable attempts, the manual review queue, PSP webhook dedupe.

Revision ID: 0100_payments
Revises: 0600_pricing
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0100_payments"
down_revision: str | None = "0600_pricing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = (
    "status IN ('pending', 'authorized', 'partially_captured', 'captured', 'voided',"
    " 'partially_refunded', 'refunded', 'failed')"
)
_NEW_STATUSES = (
    "status IN ('pending', 'authorized', 'partially_captured', 'captured', 'voided',"
    " 'partially_refunded', 'refunded', 'failed', 'expired')"
)


def upgrade() -> None:
    op.add_column("payments", sa.Column("authorized_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("payments", sa.Column("authorization_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f("ck_payments_status"), "payments", type_="check")
    op.create_check_constraint(op.f("ck_payments_status"), "payments", _NEW_STATUSES)
    op.create_index("ix_payments_psp_reference", "payments", ["psp_reference"])
    op.create_index(
        "ix_payments_authorization_expiry",
        "payments",
        ["authorization_expires_at"],
        postgresql_where=sa.text("status IN ('authorized', 'partially_captured')"),
    )

    op.add_column("payment_attempts", sa.Column("request_key", sa.Text(), nullable=True))
    op.add_column(
        "payment_attempts",
        sa.Column("request", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
    )
    op.add_column("payment_attempts", sa.Column("result_reference", sa.Text(), nullable=True))
    op.add_column("payment_attempts", sa.Column("resolved_by", sa.Text(), nullable=True))
    op.add_column(
        "payment_attempts", sa.Column("reconcile_tries", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column("payment_attempts", sa.Column("next_reconcile_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_payment_attempts_request", "payment_attempts", ["payment_id", "operation", "request_key"])
    op.create_index(
        "ux_payment_attempts_in_flight",
        "payment_attempts",
        ["payment_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'unknown')"),
    )

    op.create_table(
        "payment_reviews",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("payment_id", sa.Text(), nullable=False),
        sa.Column("attempt_id", sa.Text(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("psp_reference", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_payment_reviews_status")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_reviews_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reviews")),
    )
    op.create_index("ix_payment_reviews_status", "payment_reviews", ["status", "created_at", "id"])
    op.create_index(
        "ux_payment_reviews_open",
        "payment_reviews",
        ["dedupe_key"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "psp_webhook_events",
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("psp_reference", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("provider", "event_id", name="pk_psp_webhook_events"),
    )


def downgrade() -> None:
    op.drop_table("psp_webhook_events")
    op.drop_index("ux_payment_reviews_open", table_name="payment_reviews")
    op.drop_index("ix_payment_reviews_status", table_name="payment_reviews")
    op.drop_table("payment_reviews")
    op.drop_index("ux_payment_attempts_in_flight", table_name="payment_attempts")
    op.drop_index("ix_payment_attempts_request", table_name="payment_attempts")
    for column in ("next_reconcile_at", "reconcile_tries", "resolved_by", "result_reference", "request", "request_key"):
        op.drop_column("payment_attempts", column)
    op.drop_index("ix_payments_authorization_expiry", table_name="payments")
    op.drop_index("ix_payments_psp_reference", table_name="payments")
    op.drop_constraint(op.f("ck_payments_status"), "payments", type_="check")
    op.execute("UPDATE payments SET status = 'failed' WHERE status = 'expired'")
    op.create_check_constraint(op.f("ck_payments_status"), "payments", _OLD_STATUSES)
    op.drop_column("payments", "authorization_expires_at")
    op.drop_column("payments", "authorized_at")
