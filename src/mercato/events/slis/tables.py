"""Tables the SLI consumer maintains from events: per-merchant facts and an order-state projection.

Fed only by events, never by reading other contexts' tables: the figures are as decoupled from the
orders, payments and inventory schemas as any other consumer, and survive their refactoring.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Index, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY

from mercato.db.metadata import metadata

sli_facts = Table(
    "sli_facts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("merchant_id", Text, nullable=False),
    Column("metric", Text, nullable=False),  # e.g. checkout_started, authorization_failed, psp_latency_ms
    Column("value", Float, nullable=False),  # 1 for counts; milliseconds for latencies
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("event_id", Text, nullable=False),
    Index("ix_sli_facts_merchant_metric_time", "merchant_id", "metric", "occurred_at"),
    Index("ix_sli_facts_occurred_at", "occurred_at"),
)

sli_order_states = Table(
    "sli_order_states",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("merchant_ids", ARRAY(Text), nullable=False),
    Column("status", Text, nullable=False),
    Column("last_transition_at", DateTime(timezone=True), nullable=False),
    Index("ix_sli_order_states_open", "last_transition_at"),
    Index("ix_sli_order_states_merchants", "merchant_ids", postgresql_using="gin"),
)
