"""pricing and shipping tables

Revision ID: 0600_pricing
Revises: 0500_checkout
Create Date: 2026-11-25 08:53:08.616488
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0600_pricing'
down_revision: str | None = '0500_checkout'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('coupon_redemptions',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('checkout_id', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'released')", name=op.f('ck_coupon_redemptions_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coupon_redemptions')),
    sa.UniqueConstraint('checkout_id', name=op.f('uq_coupon_redemptions_checkout_id'))
    )
    op.create_index('ix_coupon_redemptions_user', 'coupon_redemptions', ['code', 'user_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_table('coupons',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('value', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('min_subtotal', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('redemptions', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind <> 'fixed' OR currency IS NOT NULL", name=op.f('ck_coupons_fixed_has_currency')),
    sa.CheckConstraint("kind <> 'percent' OR value <= 10000", name=op.f('ck_coupons_percent_range')),
    sa.CheckConstraint("kind IN ('percent', 'fixed', 'free_shipping')", name=op.f('ck_coupons_kind')),
    sa.CheckConstraint('max_redemptions IS NULL OR redemptions <= max_redemptions', name=op.f('ck_coupons_within_total_limit')),
    sa.CheckConstraint('redemptions >= 0', name=op.f('ck_coupons_redemptions_nonnegative')),
    sa.CheckConstraint('value >= 0 AND min_subtotal >= 0', name=op.f('ck_coupons_amounts')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_coupons'))
    )
    op.create_table('shipping_rates',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('carrier', sa.Text(), nullable=False),
    sa.Column('zone', sa.Text(), nullable=False),
    sa.Column('max_weight_grams', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.CheckConstraint('amount >= 0 AND max_weight_grams > 0', name=op.f('ck_shipping_rates_amounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_rates')),
    sa.UniqueConstraint('carrier', 'zone', 'max_weight_grams', 'currency', name=op.f('uq_shipping_rates_carrier_zone_max_weight_grams_currency'))
    )
    op.create_table('shipping_zones',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('region', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('zone', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_zones')),
    sa.UniqueConstraint('country', 'region', name=op.f('uq_shipping_zones_country_region'))
    )
    op.create_table('tax_rates',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('region', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('postal_prefix', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('rate_bps', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rate_bps >= 0 AND rate_bps <= 10000', name=op.f('ck_tax_rates_rate_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rates')),
    sa.UniqueConstraint('country', 'region', 'postal_prefix', name=op.f('uq_tax_rates_country_region_postal_prefix'))
    )
    op.drop_constraint(op.f('uq_checkout_sessions_user_id'), 'checkout_sessions', type_='unique')
    op.create_unique_constraint(op.f('uq_checkout_sessions_user_id_idempotency_key'), 'checkout_sessions', ['user_id', 'idempotency_key'])
    


def downgrade() -> None:
    
    op.drop_constraint(op.f('uq_checkout_sessions_user_id_idempotency_key'), 'checkout_sessions', type_='unique')
    op.create_unique_constraint(op.f('uq_checkout_sessions_user_id'), 'checkout_sessions', ['user_id', 'idempotency_key'], postgresql_nulls_not_distinct=False)
    op.drop_table('tax_rates')
    op.drop_table('shipping_zones')
    op.drop_table('shipping_rates')
    op.drop_table('coupons')
    op.drop_index('ix_coupon_redemptions_user', table_name='coupon_redemptions', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('coupon_redemptions')
    
