"""Tables the unit of work itself owns: the transactional outbox and stored idempotent responses."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, SmallInteger, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from mercato.db.metadata import created_at, metadata

outbox = Table(
    "outbox",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False, unique=True),
    Column("aggregate", Text, nullable=False),
    Column("aggregate_id", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("version", SmallInteger, nullable=False, server_default=text("1")),
    Column("payload", JSONB, nullable=False),
    created_at(),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Index("ix_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'in_progress'")),
    Column("response_status", SmallInteger),
    Column("response_body", JSONB),
    created_at(),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_idempotency_keys_expires_at", "expires_at"),
)
