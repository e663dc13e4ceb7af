"""Events, notifications and SLIs: consumer deliveries, customer messages, preferences, "notify me",
merchant webhooks and their deliveries, and the SLI facts fed by events.

Revision ID: 0400_events
Revises: 0810_void_requested
Create Date: 2026-11-25 08:50:55.639630
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0400_events'
down_revision: str | None = '0810_void_requested'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consumer_deliveries',
    sa.Column('consumer', sa.Text(), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('aggregate_key', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('event_created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'dead')", name=op.f('ck_consumer_deliveries_status')),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_consumer_deliveries'))
    )
    op.create_index('ix_consumer_deliveries_delivered_at', 'consumer_deliveries', ['delivered_at'], unique=False, postgresql_where=sa.text("status <> 'pending'"))
    op.create_index('ix_consumer_deliveries_pending', 'consumer_deliveries', ['consumer', 'seq'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_consumer_deliveries_pending_aggregate', 'consumer_deliveries', ['consumer', 'aggregate_key', 'seq'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('sms', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preferences'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('category', sa.Text(), nullable=False),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_notifications_channel')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_notifications_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_due', 'notifications', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notifications_user', 'notifications', ['user_id', 'created_at'], unique=False)
    op.create_index('uq_notifications_event_user_channel', 'notifications', ['event_id', 'user_id', 'channel', 'template'], unique=True)
    op.create_table('sli_facts',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('metric', sa.Text(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sli_facts'))
    )
    op.create_index('ix_sli_facts_merchant_metric_time', 'sli_facts', ['merchant_id', 'metric', 'occurred_at'], unique=False)
    op.create_index('ix_sli_facts_occurred_at', 'sli_facts', ['occurred_at'], unique=False)
    op.create_table('sli_order_states',
    sa.Column('order_id', sa.Text(), nullable=False),
    sa.Column('merchant_ids', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('last_transition_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_sli_order_states'))
    )
    op.create_index('ix_sli_order_states_merchants', 'sli_order_states', ['merchant_ids'], unique=False, postgresql_using='gin')
    op.create_index('ix_sli_order_states_open', 'sli_order_states', ['last_transition_at'], unique=False)
    op.create_table('stock_subscriptions',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('sku_id', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_subscriptions'))
    )
    op.create_index('uq_stock_subscriptions_waiting', 'stock_subscriptions', ['sku_id', 'user_id'], unique=True, postgresql_where=sa.text('notified_at IS NULL'))
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('event_types', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'enabled'"), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('previous_secret', sa.Text(), nullable=True),
    sa.Column('previous_secret_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('enabled', 'disabled')", name=op.f('ck_webhook_endpoints_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_index('ix_webhook_endpoints_merchant', 'webhook_endpoints', ['merchant_id', 'created_at', 'id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('endpoint_id', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Text(), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('body', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.SmallInteger(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('redelivery_of', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'dead')", name=op.f('ck_webhook_deliveries_status')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_webhook_deliveries_endpoint', 'webhook_deliveries', ['endpoint_id', 'created_at', 'id'], unique=False)
    op.create_index('uq_webhook_deliveries_endpoint_event', 'webhook_deliveries', ['endpoint_id', 'event_id'], unique=True, postgresql_where=sa.text('redelivery_of IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_webhook_deliveries_endpoint_event', table_name='webhook_deliveries', postgresql_where=sa.text('redelivery_of IS NULL'))
    op.drop_index('ix_webhook_deliveries_endpoint', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_webhook_endpoints_merchant', table_name='webhook_endpoints')
    op.drop_table('webhook_endpoints')
    op.drop_index('uq_stock_subscriptions_waiting', table_name='stock_subscriptions', postgresql_where=sa.text('notified_at IS NULL'))
    op.drop_table('stock_subscriptions')
    op.drop_index('ix_sli_order_states_open', table_name='sli_order_states')
    op.drop_index('ix_sli_order_states_merchants', table_name='sli_order_states', postgresql_using='gin')
    op.drop_table('sli_order_states')
    op.drop_index('ix_sli_facts_occurred_at', table_name='sli_facts')
    op.drop_index('ix_sli_facts_merchant_metric_time', table_name='sli_facts')
    op.drop_table('sli_facts')
    op.drop_index('uq_notifications_event_user_channel', table_name='notifications')
    op.drop_index('ix_notifications_user', table_name='notifications')
    op.drop_index('ix_notifications_due', table_name='notifications', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    op.drop_index('ix_consumer_deliveries_pending_aggregate', table_name='consumer_deliveries', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_consumer_deliveries_pending', table_name='consumer_deliveries', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_consumer_deliveries_delivered_at', table_name='consumer_deliveries', postgresql_where=sa.text("status <> 'pending'"))
    op.drop_table('consumer_deliveries')
