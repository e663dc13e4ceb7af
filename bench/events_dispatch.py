"""Benchmark: outbox dispatch throughput, fan-out and delivery, in events per second.

Writes outbox rows spread over a number of aggregates straight into a scratch database (COPY), then times
the fan-out and the delivery to a consumer that writes one row per event (the shape of every real
consumer), with one or more dispatchers racing. Checks afterwards that every event was handled exactly
once. Database: as `bench.reservations` (BENCH_DATABASE_URL, DATABASE_URL, or embedded under var/bench-pg).

Run standalone: `python -m bench.events_dispatch [--quick]`; in the suite: `python -m bench --only events`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

import psycopg
from sqlalchemy import text

from bench.reservations import scratch_database
from mercato.db.engine import make_engine
from mercato.db.unit_of_work import Tx
from mercato.events import ConsumerRegistry, Event, deliver_batch, fan_out
from mercato.kernel.clock import SystemClock
from mercato.kernel.ids import new_id

NAME = "events"
# (events, aggregates, dispatchers): many small aggregates, racing dispatchers, one event per aggregate,
# and long runs of a few aggregates (delivered one after another by design).
RUNS = ((20_000, 2_000, 1), (20_000, 2_000, 4), (20_000, 20_000, 2), (20_000, 20, 2))


class Sink:
    name = "sink"
    event_types = None

    async def handle(self, tx: Tx, event: Event) -> None:
        await tx.conn.execute(text("INSERT INTO bench_sink (event_id) VALUES (:e)"), {"e": event.id})


@dataclass(frozen=True, slots=True)
class Result:
    events: int
    aggregates: int
    dispatchers: int
    fan_out_per_second: float
    delivery_per_second: float


async def measure(url: str, events: int, aggregates: int, dispatchers: int) -> Result:
    """One run on a freshly emptied outbox."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_sink (event_id text)")
        conn.execute("TRUNCATE bench_sink, outbox, consumer_deliveries")
        with conn.cursor().copy("COPY outbox (id, aggregate, aggregate_id, event_type, payload) FROM STDIN") as copy:
            for n in range(events):
                copy.write_row((new_id("event"), "order", f"ord_{n % aggregates}", "order.bench", f'{{"n": {n}}}'))
    engine = make_engine(url, pool_size=dispatchers + 2, max_overflow=0)
    sink = Sink()
    try:
        started = time.perf_counter()
        while await fan_out(engine, ConsumerRegistry([sink]), now=SystemClock().now(), batch_size=500):
            pass
        fanned = time.perf_counter() - started

        async def dispatcher() -> None:
            while (await deliver_batch(engine, sink, now=SystemClock().now(), batch_size=100)).claimed:
                pass

        started = time.perf_counter()
        await asyncio.gather(*(dispatcher() for _ in range(dispatchers)))
        delivered = time.perf_counter() - started
    finally:
        await engine.dispose()
    with psycopg.connect(url) as conn:
        rows, distinct = conn.execute("SELECT count(*), count(DISTINCT event_id) FROM bench_sink").fetchone() or (0, 0)
    assert rows == distinct == events, f"{rows} rows for {distinct} distinct of {events} events"
    return Result(events, aggregates, dispatchers, events / fanned, events / delivered)


def run(quick: bool) -> str:
    """Every configured run; the markdown section of docs/benchmarks.md."""
    runs = [(e // 10, max(a // 10, 1), d) for e, a, d in RUNS] if quick else list(RUNS)
    with scratch_database() as url:
        asyncio.run(measure(url, 2_000, 200, 1))  # warm-up: caches, the first connections
        results = [asyncio.run(measure(url, *r)) for r in runs]
    lines = [
        "Outbox dispatch (`bench/events_dispatch.py`): fan-out and delivery to a consumer writing one row per",
        "event; every event was handled exactly once in every run.",
        "",
        "| events | aggregates | dispatchers | fan-out events/s | delivery events/s |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {r.events} | {r.aggregates} | {r.dispatchers} | {r.fan_out_per_second:,.0f} "
            f"| {r.delivery_per_second:,.0f} |"
            for r in results
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run("--quick" in sys.argv[1:]))
