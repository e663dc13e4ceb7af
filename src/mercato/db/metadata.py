"""The one MetaData every context's tables.py registers on, with deterministic constraint names."""

from __future__ import annotations

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.sql.schema import Column

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def created_at() -> Column[object]:
    """A `created_at timestamptz NOT NULL DEFAULT now()` column."""
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def updated_at() -> Column[object]:
    """An `updated_at timestamptz NOT NULL DEFAULT now()` column; services set it on change."""
    return Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now())
