"""Tables of the events context: one delivery row per (consumer, event), the consumer's progress.

A row is created `pending` when the dispatcher fans an outbox event out to a consumer, and becomes
`delivered` in the same transaction as the consumer's own writes, so a consumer's effects happen
exactly once however often the worker crashes; `dead` after too many failures (a poison event).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, DateTime, Index, Integer, Table, Text, text

from mercato.db.metadata import metadata

consumer_deliveries = Table(
    "consumer_deliveries",
    metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", Text, primary_key=True),
    Column("seq", BigInteger, nullable=False),  # the outbox seq: the order of an aggregate's events
    Column("aggregate_key", Text, nullable=False),  # "<aggregate>:<aggregate_id>"
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("event_created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('pending', 'delivered', 'dead')", name="status"),
    Index("ix_consumer_deliveries_pending", "consumer", "seq", postgresql_where=text("status = 'pending'")),
    Index(
        "ix_consumer_deliveries_pending_aggregate",
        "consumer",
        "aggregate_key",
        "seq",
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_consumer_deliveries_delivered_at", "delivered_at", postgresql_where=text("status <> 'pending'")),
)
