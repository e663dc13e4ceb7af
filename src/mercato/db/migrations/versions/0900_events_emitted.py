"""Emitting the catalogued events: what their emitters need to store.

- `payments.merchant_ids`: the merchants a payment pays (the checkout passes them when it creates the
  payment), so payment events carry `merchant_ids` and the SLIs attribute PSP outcomes from facts.
- `checkout_sessions.expiry_reminded_at`: the claim of the `reservation.expiring` job, set in the
  transaction that emits the reminder, so each checkout is reminded once even with several workers.
- `stock_incidents`: invariant breaches already reported as `stock.oversold`, so a breach that persists
  is one incident, not one per audit.

Revision ID: 0900_events_emitted
Revises: 0700_search
Create Date: 2026-11-25 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0900_events_emitted"
down_revision: str | None = "0700_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "payments",
        sa.Column("merchant_ids", postgresql.ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column("checkout_sessions", sa.Column("expiry_reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "stock_incidents",
        sa.Column("sku_id", sa.Text(), nullable=False),
        sa.Column("warehouse_id", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.PrimaryKeyConstraint("sku_id", "warehouse_id", "signature"),
    )


def downgrade() -> None:
    op.drop_table("stock_incidents")
    op.drop_column("checkout_sessions", "expiry_reminded_at")
    op.drop_column("payments", "merchant_ids")
