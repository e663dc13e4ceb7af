"""The schema for the whole mission: every context's tables, generated from their tables.py.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 08:39:49.286485
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.create_table('brands',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brands')),
    sa.UniqueConstraint('slug', name=op.f('uq_brands_slug'))
    )
    op.create_table('carts',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=True),
    sa.Column('token_hash', sa.Text(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'checking_out', 'converted', 'merged', 'expired')", name=op.f('ck_carts_status')),
    sa.CheckConstraint('user_id IS NOT NULL OR token_hash IS NOT NULL', name=op.f('ck_carts_has_owner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carts'))
    )
    op.create_index('ix_carts_guest_expiry', 'carts', ['expires_at'], unique=False, postgresql_where=sa.text('user_id IS NULL'))
    op.create_index('ix_carts_user_active', 'carts', ['user_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_table('categories',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Text(), nullable=True),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('path', name=op.f('uq_categories_path')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    op.create_table('idempotency_keys',
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('request_hash', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'in_progress'"), nullable=False),
    sa.Column('response_status', sa.SmallInteger(), nullable=True),
    sa.Column('response_body', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_index('ix_idempotency_keys_expires_at', 'idempotency_keys', ['expires_at'], unique=False)
    op.create_table('inventory_ledger',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('sku_id', sa.Text(), nullable=False),
    sa.Column('warehouse_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('on_hand_delta', sa.Integer(), nullable=False),
    sa.Column('reserved_delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=True),
    sa.Column('actor', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('receive', 'adjust', 'reserve', 'release', 'commit', 'return')", name=op.f('ck_inventory_ledger_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_ledger'))
    )
    op.create_index('ix_inventory_ledger_sku', 'inventory_ledger', ['sku_id', 'id'], unique=False)
    op.create_table('merchants',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'suspended')", name=op.f('ck_merchants_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merchants')),
    sa.UniqueConstraint('slug', name=op.f('uq_merchants_slug'))
    )
    op.create_table('orders',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('checkout_id', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'created'"), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('subtotal', sa.Integer(), nullable=False),
    sa.Column('shipping_total', sa.Integer(), nullable=False),
    sa.Column('tax_total', sa.Integer(), nullable=False),
    sa.Column('discount_total', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('tax_estimated', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('coupon_code', sa.Text(), nullable=True),
    sa.Column('shipping_address', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('created', 'confirmed', 'shipped', 'delivered', 'canceled', 'refunded')", name=op.f('ck_orders_status')),
    sa.CheckConstraint('subtotal >= 0 AND shipping_total >= 0 AND tax_total >= 0 AND discount_total >= 0', name=op.f('ck_orders_amounts')),
    sa.CheckConstraint('total = subtotal + shipping_total + tax_total - discount_total', name=op.f('ck_orders_total_adds_up')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('checkout_id', name=op.f('uq_orders_checkout_id'))
    )
    op.create_index('ix_orders_user_newest', 'orders', ['user_id', 'created_at', 'id'], unique=False)
    op.create_table('outbox',
    sa.Column('seq', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('aggregate', sa.Text(), nullable=False),
    sa.Column('aggregate_id', sa.Text(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('version', sa.SmallInteger(), server_default=sa.text('1'), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('id', name=op.f('uq_outbox_id'))
    )
    op.create_index('ix_outbox_unpublished', 'outbox', ['seq'], unique=False, postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('payments',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('checkout_id', sa.Text(), nullable=True),
    sa.Column('order_id', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('amount_authorized', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('amount_captured', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('amount_refunded', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('provider', sa.Text(), nullable=True),
    sa.Column('psp_reference', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'authorized', 'partially_captured', 'captured', 'voided', 'partially_refunded', 'refunded', 'failed')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payments_amount_nonnegative')),
    sa.CheckConstraint('amount_captured <= amount_authorized', name=op.f('ck_payments_captured_within_authorized')),
    sa.CheckConstraint('amount_refunded <= amount_captured', name=op.f('ck_payments_refunded_within_captured')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('checkout_id', name=op.f('uq_payments_checkout_id')),
    sa.UniqueConstraint('order_id', name=op.f('uq_payments_order_id'))
    )
    op.create_table('reservations',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('sku_id', sa.Text(), nullable=False),
    sa.Column('warehouse_id', sa.Text(), nullable=False),
    sa.Column('holder', sa.Text(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'released', 'committed')", name=op.f('ck_reservations_status')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_reservations_qty_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    op.create_index('ix_reservations_active_expiry', 'reservations', ['expires_at'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_reservations_active_sku', 'reservations', ['sku_id', 'warehouse_id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_reservations_holder', 'reservations', ['holder'], unique=False)
    op.create_table('warehouses',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), nullable=False),
    sa.Column('region', sa.Text(), nullable=False),
    sa.Column('priority', sa.Integer(), server_default=sa.text('100'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouses'))
    )
    op.create_index('ix_warehouses_merchant', 'warehouses', ['merchant_id', 'priority'], unique=False)
    op.create_table('cart_lines',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('cart_id', sa.Text(), nullable=False),
    sa.Column('sku_id', sa.Text(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('added_price', sa.Integer(), nullable=False),
    sa.Column('saved_for_later', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('added_price >= 0', name=op.f('ck_cart_lines_added_price_nonnegative')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_cart_lines_qty_positive')),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_cart_lines_cart_id_carts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_lines')),
    sa.UniqueConstraint('cart_id', 'sku_id', 'saved_for_later', name=op.f('uq_cart_lines_cart_id_sku_id_saved_for_later'))
    )
    op.create_table('inventory',
    sa.Column('sku_id', sa.Text(), nullable=False),
    sa.Column('warehouse_id', sa.Text(), nullable=False),
    sa.Column('on_hand', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('reserved', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_inventory_on_hand_nonnegative')),
    sa.CheckConstraint('reserved <= on_hand', name=op.f('ck_inventory_reserved_within_on_hand')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_inventory_reserved_nonnegative')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_inventory_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('sku_id', 'warehouse_id', name=op.f('pk_inventory'))
    )
    op.create_table('order_history',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.Text(), nullable=False),
    sa.Column('from_status', sa.Text(), nullable=True),
    sa.Column('to_status', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_history_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_history'))
    )
    op.create_index('ix_order_history_order', 'order_history', ['order_id', 'id'], unique=False)
    op.create_table('payment_attempts',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('payment_id', sa.Text(), nullable=False),
    sa.Column('operation', sa.Text(), nullable=False),
    sa.Column('provider', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('psp_reference', sa.Text(), nullable=True),
    sa.Column('decline_code', sa.Text(), nullable=True),
    sa.Column('error_code', sa.Text(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("operation IN ('authorize', 'capture', 'void', 'refund')", name=op.f('ck_payment_attempts_operation')),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'unknown')", name=op.f('ck_payment_attempts_status')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_attempts_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_attempts_idempotency_key'))
    )
    op.create_index('ix_payment_attempts_payment', 'payment_attempts', ['payment_id', 'created_at'], unique=False)
    op.create_index('ix_payment_attempts_unresolved', 'payment_attempts', ['updated_at'], unique=False, postgresql_where=sa.text("status IN ('pending', 'unknown')"))
    op.create_table('products',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('brand_id', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('price_min', sa.Integer(), nullable=True),
    sa.Column('price_max', sa.Integer(), nullable=True),
    sa.Column('rating_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('rating_total', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('rating_avg', sa.Numeric(precision=3, scale=2), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'draft', 'archived')", name=op.f('ck_products_status')),
    sa.CheckConstraint('price_min IS NULL OR (price_min >= 0 AND price_max >= price_min)', name=op.f('ck_products_price_range')),
    sa.CheckConstraint('rating_count >= 0 AND rating_total >= 0', name=op.f('ck_products_rating')),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.id'], name=op.f('fk_products_brand_id_brands')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_products_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    op.create_index('ix_products_active_newest', 'products', ['created_at', 'id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_products_active_price', 'products', ['price_min', 'id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_products_active_rating', 'products', ['rating_avg', 'id'], unique=False, postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_products_brand', 'products', ['brand_id'], unique=False)
    op.create_index('ix_products_category', 'products', ['category_id'], unique=False)
    op.create_index('ix_products_merchant', 'products', ['merchant_id', 'id'], unique=False)
    op.create_table('shipments',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('warehouse_id', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('carrier', sa.Text(), nullable=True),
    sa.Column('tracking_number', sa.Text(), nullable=True),
    sa.Column('shipping', sa.Integer(), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'shipped', 'delivered', 'canceled')", name=op.f('ck_shipments_status')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_shipments_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipments'))
    )
    op.create_index('ix_shipments_merchant', 'shipments', ['merchant_id', 'created_at'], unique=False)
    op.create_index('ix_shipments_order', 'shipments', ['order_id'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(role = 'merchant_staff') = (merchant_id IS NOT NULL)", name=op.f('ck_users_staff_has_merchant')),
    sa.CheckConstraint("role IN ('customer', 'merchant_staff', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_users_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_index('uq_users_email_lower', 'users', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('order_items',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('order_id', sa.Text(), nullable=False),
    sa.Column('shipment_id', sa.Text(), nullable=True),
    sa.Column('sku_id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Integer(), nullable=False),
    sa.Column('tax', sa.Integer(), nullable=False),
    sa.Column('discount', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('digital', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_order_items_qty_positive')),
    sa.CheckConstraint('unit_price >= 0 AND tax >= 0 AND discount >= 0', name=op.f('ck_order_items_amounts')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_items_order_id_orders')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipments.id'], name=op.f('fk_order_items_shipment_id_shipments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_items'))
    )
    op.create_index('ix_order_items_merchant', 'order_items', ['merchant_id', 'order_id'], unique=False)
    op.create_index('ix_order_items_order', 'order_items', ['order_id'], unique=False)
    op.create_table('product_images',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('storage_key', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('alt', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('content_type', sa.Text(), nullable=False),
    sa.Column('position', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_images_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images'))
    )
    op.create_index('ix_product_images_product', 'product_images', ['product_id', 'position'], unique=False)
    op.create_table('reviews',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('author_name', sa.Text(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_reviews_rating_range')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_reviews_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('product_id', 'user_id', name=op.f('uq_reviews_product_id_user_id'))
    )
    op.create_index('ix_reviews_product_newest', 'reviews', ['product_id', 'created_at', 'id'], unique=False)
    op.create_table('skus',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('product_id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('digital', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'active'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'archived')", name=op.f('ck_skus_status')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_skus_price_nonnegative')),
    sa.CheckConstraint('weight_grams >= 0', name=op.f('ck_skus_weight_nonnegative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_skus_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skus')),
    sa.UniqueConstraint('merchant_id', 'code', name=op.f('uq_skus_merchant_id_code'))
    )
    op.create_index('ix_skus_product', 'skus', ['product_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_skus_product', table_name='skus')
    op.drop_table('skus')
    op.drop_index('ix_reviews_product_newest', table_name='reviews')
    op.drop_table('reviews')
    op.drop_index('ix_product_images_product', table_name='product_images')
    op.drop_table('product_images')
    op.drop_index('ix_order_items_order', table_name='order_items')
    op.drop_index('ix_order_items_merchant', table_name='order_items')
    op.drop_table('order_items')
    op.drop_index('uq_users_email_lower', table_name='users')
    op.drop_table('users')
    op.drop_index('ix_shipments_order', table_name='shipments')
    op.drop_index('ix_shipments_merchant', table_name='shipments')
    op.drop_table('shipments')
    op.drop_index('ix_products_merchant', table_name='products')
    op.drop_index('ix_products_category', table_name='products')
    op.drop_index('ix_products_brand', table_name='products')
    op.drop_index('ix_products_active_rating', table_name='products', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_products_active_price', table_name='products', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_products_active_newest', table_name='products', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('products')
    op.drop_index('ix_payment_attempts_unresolved', table_name='payment_attempts', postgresql_where=sa.text("status IN ('pending', 'unknown')"))
    op.drop_index('ix_payment_attempts_payment', table_name='payment_attempts')
    op.drop_table('payment_attempts')
    op.drop_index('ix_order_history_order', table_name='order_history')
    op.drop_table('order_history')
    op.drop_table('inventory')
    op.drop_table('cart_lines')
    op.drop_index('ix_warehouses_merchant', table_name='warehouses')
    op.drop_table('warehouses')
    op.drop_index('ix_reservations_holder', table_name='reservations')
    op.drop_index('ix_reservations_active_sku', table_name='reservations', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_reservations_active_expiry', table_name='reservations', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('reservations')
    op.drop_table('payments')
    op.drop_index('ix_outbox_unpublished', table_name='outbox', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox')
    op.drop_index('ix_orders_user_newest', table_name='orders')
    op.drop_table('orders')
    op.drop_table('merchants')
    op.drop_index('ix_inventory_ledger_sku', table_name='inventory_ledger')
    op.drop_table('inventory_ledger')
    op.drop_index('ix_idempotency_keys_expires_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_table('categories')
    op.drop_index('ix_carts_user_active', table_name='carts', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_carts_guest_expiry', table_name='carts', postgresql_where=sa.text('user_id IS NULL'))
    op.drop_table('carts')
    op.drop_table('brands')
