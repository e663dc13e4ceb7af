"""A consumer for tests that writes one row per handled event into a scratch table (no unique key), so
that a duplicate delivery would show as two rows; it can fail, block or pause on chosen events."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.events import Event

EFFECTS_DDL = (
    "CREATE TABLE IF NOT EXISTS test_event_effects ("
    " n bigserial PRIMARY KEY, consumer text NOT NULL, event_id text NOT NULL,"
    " aggregate_key text NOT NULL, seq bigint NOT NULL)"
)


def ensure_effects_table(database_url: str) -> Iterator[None]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(EFFECTS_DDL)
        conn.execute("TRUNCATE test_event_effects")
    yield
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("TRUNCATE test_event_effects")


@dataclass
class RecordingConsumer:
    name: str
    event_types: frozenset[str] | None = None
    fail_times: dict[str, int] = field(default_factory=dict)  # event id -> failures before success
    pause_seconds: float = 0.0
    in_flight: set[str] = field(default_factory=set)
    in_flight_aggregates: set[str] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)
    handled: int = 0
    block_after: int | None = None  # handle this many, then block forever (to be cancelled)
    blocked: asyncio.Event = field(default_factory=asyncio.Event)  # set once it blocks

    async def handle(self, tx: Tx, event: Event) -> None:
        if event.id in self.in_flight:
            self.violations.append(f"{event.id} delivered concurrently twice")
        if event.aggregate_key in self.in_flight_aggregates:
            self.violations.append(f"two events of {event.aggregate_key} in flight at once")
        self.in_flight.add(event.id)
        self.in_flight_aggregates.add(event.aggregate_key)
        try:
            if self.block_after is not None and self.handled >= self.block_after:
                self.blocked.set()
                await asyncio.Event().wait()
            if self.fail_times.get(event.id, 0) > 0:
                self.fail_times[event.id] -= 1
                raise RuntimeError(f"consumer refuses {event.id} for now")
            await tx.conn.execute(
                text("INSERT INTO test_event_effects (consumer, event_id, aggregate_key, seq) VALUES (:c, :e, :k, :s)"),
                {"c": self.name, "e": event.id, "k": event.aggregate_key, "s": event.seq},
            )
            if self.pause_seconds:
                await asyncio.sleep(self.pause_seconds)
            self.handled += 1
        finally:
            self.in_flight.discard(event.id)
            self.in_flight_aggregates.discard(event.aggregate_key)


async def emit_events(engine: AsyncEngine, plan: list[tuple[str, str, str]]) -> list[str]:
    """Emit (aggregate, aggregate_id, event_type) events, one transaction each, in the given order."""
    ids: list[str] = []
    for aggregate, aggregate_id, event_type in plan:
        async with unit_of_work(engine) as tx:
            ids.append(
                tx.emit(aggregate=aggregate, aggregate_id=aggregate_id, event_type=event_type, payload={"n": len(ids)})
            )
    return ids


def effects(database_url: str, consumer: str | None = None) -> list[dict[str, Any]]:
    with psycopg.connect(database_url) as conn:
        cur = conn.execute(
            "SELECT consumer, event_id, aggregate_key, seq FROM test_event_effects"
            + (" WHERE consumer = %s" if consumer else "")
            + " ORDER BY n",
            (consumer,) if consumer else (),
        )
        return [dict(zip(("consumer", "event_id", "aggregate_key", "seq"), row, strict=True)) for row in cur]
