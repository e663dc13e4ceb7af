"""One transaction per use case, which also writes the use case's outbox events.

Services receive the `Tx` and never commit; the caller's `unit_of_work` commits the data and the
events together, so no event is ever published for a rolled-back change, and none is lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.infra_tables import outbox
from mercato.kernel.ids import new_id

_INSERT_EVENTS = insert(outbox)  # built once, like every hot statement (docs/checkout.md)


@dataclass(slots=True)
class Tx:
    """A connection inside an open transaction, plus the events the use case emits."""

    conn: AsyncConnection
    events: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, *, aggregate: str, aggregate_id: str, event_type: str, payload: dict[str, Any]) -> str:
        """Record an event to be written to the outbox when the transaction commits; return its id."""
        event_id = new_id("event")
        self.events.append(
            {
                "id": event_id,
                "aggregate": aggregate,
                "aggregate_id": aggregate_id,
                "event_type": event_type,
                "payload": payload,
            }
        )
        return event_id

    async def flush_events(self) -> None:
        """Write the collected events into the outbox, inside the same transaction."""
        if self.events:
            await self.conn.execute(_INSERT_EVENTS, self.events[0] if len(self.events) == 1 else self.events)
            self.events.clear()


@asynccontextmanager
async def unit_of_work(engine: AsyncEngine) -> AsyncIterator[Tx]:
    """Open a transaction; on success write the outbox events and commit, on error roll back."""
    async with engine.begin() as conn:
        tx = Tx(conn)
        yield tx
        await tx.flush_events()


@asynccontextmanager
async def read_only(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads; the transaction is rolled back when done."""
    async with engine.connect() as conn:
        yield conn


@asynccontextmanager
async def single_statements(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection on which every statement commits on its own (autocommit): no BEGIN, no COMMIT.

    For a unit of work that is one statement (an `INSERT … ON CONFLICT DO NOTHING`, a conditional
    `UPDATE`): PostgreSQL runs a lone statement atomically as its own transaction, so wrapping it in one
    adds two round trips and nothing else. Also for a series of plain reads: at READ COMMITTED each
    statement takes its own snapshot whether or not a transaction is open, so they see exactly what they
    would inside one. A unit whose statements must commit together or see one snapshot, or that sets
    transaction-local settings (`set_config(…, true)`), uses `unit_of_work` or `read_only`.
    """
    async with engine.connect() as conn:
        yield await conn.execution_options(isolation_level="AUTOCOMMIT")
