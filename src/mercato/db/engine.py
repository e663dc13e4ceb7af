"""The async SQLAlchemy engine on asyncpg, built from a libpq-style URL."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def async_url(url: str) -> str:
    """Turn `postgresql://…` (libpq form) into the asyncpg dialect URL SQLAlchemy needs."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url}")


def sync_url(url: str) -> str:
    """The psycopg (v3) dialect URL, for Alembic and bulk COPY."""
    return "postgresql+psycopg://" + async_url(url)[len("postgresql+asyncpg://") :]


def libpq_url(url: str) -> str:
    """The plain libpq URL psycopg.connect() takes."""
    return "postgresql://" + async_url(url)[len("postgresql+asyncpg://") :]


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    """An engine whose connections speak JSON with orjson and never prepare statements lazily twice."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=False,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )
