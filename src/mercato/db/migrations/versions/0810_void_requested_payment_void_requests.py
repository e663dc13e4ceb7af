"""payment void requests

Revision ID: 0810_void_requested
Revises: 0800_refunds
Create Date: 2026-11-25 09:42:38.881498
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0810_void_requested'
down_revision: str | None = '0800_refunds'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.add_column('payments', sa.Column('void_requested_at', sa.DateTime(timezone=True), nullable=True))
    


def downgrade() -> None:
    
    op.drop_column('payments', 'void_requested_at')
    
