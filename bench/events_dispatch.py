"""Outbox dispatch throughput: how many events per second the dispatcher fans out and delivers.

    python -m bench.events_dispatch [events] [aggregates] [dispatchers]

Writes `events` outbox rows spread over `aggregates` aggregates straight into a fresh database (the
embedded PostgreSQL under var/bench-pg), then times the fan-out and the delivery to a consumer that
writes one row per event (the shape of every real consumer), with `dispatchers` running concurrently.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

from mercato.db.embedded import EmbeddedPostgres, ensure_database
from mercato.db.engine import make_engine
from mercato.db.migrate import upgrade
from mercato.db.unit_of_work import Tx
from mercato.events import ConsumerRegistry, Event, deliver_batch, fan_out
from mercato.kernel.clock import SystemClock
from mercato.kernel.ids import new_id


class Sink:
    name = "sink"
    event_types = None

    async def handle(self, tx: Tx, event: Event) -> None:
        await tx.conn.execute(text("INSERT INTO bench_sink (event_id) VALUES (:e)"), {"e": event.id})


async def run(url: str, events: int, aggregates: int, dispatchers: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_sink (event_id text)")
        conn.execute("TRUNCATE bench_sink, outbox, consumer_deliveries")
        with conn.cursor().copy("COPY outbox (id, aggregate, aggregate_id, event_type, payload) FROM STDIN") as copy:
            for n in range(events):
                copy.write_row((new_id("event"), "order", f"ord_{n % aggregates}", "order.bench", f'{{"n": {n}}}'))
    engine = make_engine(url, pool_size=dispatchers + 2, max_overflow=0)
    sink = Sink()
    registry = ConsumerRegistry([sink])
    started = time.perf_counter()
    while await fan_out(engine, registry, now=SystemClock().now(), batch_size=500):
        pass
    fanned = time.perf_counter() - started

    async def dispatcher() -> None:
        while (await deliver_batch(engine, sink, now=SystemClock().now(), batch_size=100)).claimed:
            pass

    started = time.perf_counter()
    await asyncio.gather(*(dispatcher() for _ in range(dispatchers)))
    delivered = time.perf_counter() - started
    with psycopg.connect(url) as conn:
        count = conn.execute("SELECT count(*), count(DISTINCT event_id) FROM bench_sink").fetchone() or (0, 0)
    await engine.dispose()
    print(f"events={events} aggregates={aggregates} dispatchers={dispatchers}")
    print(f"fan-out:  {events / fanned:8.0f} events/s ({fanned:.2f} s)")
    print(f"delivery: {events / delivered:8.0f} events/s ({delivered:.2f} s); rows={count[0]} distinct={count[1]}")


def main() -> None:
    given = [int(a) for a in sys.argv[1:4]]
    events, aggregates, dispatchers = given + [20000, 2000, 2][len(given) :]
    pg = EmbeddedPostgres(Path("var") / "bench-pg")
    admin = pg.start()
    try:
        url = ensure_database(admin, "mercato_bench_events")
        upgrade(url)
        asyncio.run(run(url, events, aggregates, dispatchers))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
