"""Inventory and carts: one active reservation per holder/SKU/warehouse, one active cart per customer.

Both are unique partial indexes that turn a race (a retried reserve, two first adds to a cart) into a
constraint the database enforces, instead of a check the code would have to make before writing.

Revision ID: 0200_inventory
Revises: 0100_payments (re-chained after merging main; written against 0001)
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0200_inventory"
down_revision: str | None = "0100_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_reservations_active_holder",
        "reservations",
        ["holder", "sku_id", "warehouse_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index("ix_carts_user_active", table_name="carts")
    op.create_index(
        "uq_carts_user_active", "carts", ["user_id"], unique=True, postgresql_where=sa.text("status = 'active'")
    )


def downgrade() -> None:
    op.drop_index("uq_carts_user_active", table_name="carts")
    op.create_index(
        "ix_carts_user_active", "carts", ["user_id"], unique=False, postgresql_where=sa.text("status = 'active'")
    )
    op.drop_index("uq_reservations_active_holder", table_name="reservations")
