"""Alembic environment: migrates the metadata of every context (see mercato.schema)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from mercato.schema import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations against a live connection (we never generate offline SQL)."""
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
