"""What the worker runs for the events context: fan-out, one delivery loop per consumer, the lag
observer and retention. Each is a job of its own, so a slow consumer (NATS down) delays only itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.infra_tables import outbox
from mercato.events.dispatcher import deliver_batch
from mercato.events.fanout import fan_out, prune_delivered
from mercato.events.metrics import OUTBOX_STAGE, EventMetrics
from mercato.events.registry import Consumer, ConsumerRegistry
from mercato.events.tables import consumer_deliveries as cd
from mercato.kernel.clock import Clock

JobFn = Callable[[AsyncEngine, Clock], Awaitable[int]]
MAX_ROUNDS_PER_TICK = 20  # drain a backlog quickly, but give other jobs a turn


@dataclass(slots=True)
class EventDispatch:
    """The dispatcher of one worker: its consumers, batch sizes and metrics."""

    registry: ConsumerRegistry
    metrics: EventMetrics
    batch_size: int = 100
    max_attempts: int = 10
    retention: timedelta = timedelta(days=7)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def fan_out(self, engine: AsyncEngine, clock: Clock) -> int:
        """Publish new outbox rows to the consumers' queues until none are left (or the round cap)."""
        total = 0
        for _ in range(MAX_ROUNDS_PER_TICK):
            done = await fan_out(engine, self.registry, now=clock.now(), batch_size=self.batch_size * 5)
            self.metrics.published.inc(done)
            total += done
            if done < self.batch_size * 5:
                break
        return total

    def deliverer(self, consumer: Consumer) -> JobFn:
        """The job that delivers `consumer`'s pending events."""

        async def deliver(engine: AsyncEngine, clock: Clock) -> int:
            total = 0
            for _ in range(MAX_ROUNDS_PER_TICK):
                outcome = await deliver_batch(
                    engine,
                    consumer,
                    now=clock.now(),
                    batch_size=self.batch_size,
                    max_attempts=self.max_attempts,
                    on_delivered=getattr(consumer, "after_commit", None),
                )
                self.metrics.record(consumer.name, outcome)
                total += outcome.delivered
                if outcome.claimed == 0 or outcome.failed or outcome.dead:
                    break
            return total

        return deliver

    async def observe(self, engine: AsyncEngine, clock: Clock) -> int:
        """Refresh the lag, pending and dead-letter gauges from the tables (any worker may do it)."""
        now = clock.now()
        async with engine.connect() as conn:
            oldest, count = (
                await conn.execute(
                    select(func.min(outbox.c.created_at), func.count()).where(outbox.c.published_at.is_(None))
                )
            ).one()
            pending = {
                r.consumer: (r.oldest, r.n)
                for r in await conn.execute(
                    select(cd.c.consumer, func.min(cd.c.event_created_at).label("oldest"), func.count().label("n"))
                    .where(cd.c.status == "pending")
                    .group_by(cd.c.consumer)
                )
            }
            dead = {
                r.consumer: r.n
                for r in await conn.execute(
                    select(cd.c.consumer, func.count().label("n")).where(cd.c.status == "dead").group_by(cd.c.consumer)
                )
            }
        self.metrics.lag.labels(OUTBOX_STAGE).set(max((now - oldest).total_seconds(), 0) if oldest else 0)
        self.metrics.pending.labels(OUTBOX_STAGE).set(count)
        for name in self.registry.names():
            first, n = pending.get(name, (None, 0))
            self.metrics.lag.labels(name).set(max((now - first).total_seconds(), 0) if first else 0)
            self.metrics.pending.labels(name).set(n)
            self.metrics.dead_letters.labels(name).set(dead.get(name, 0))
        return 0

    async def prune(self, engine: AsyncEngine, clock: Clock) -> int:
        """Delete deliveries and outbox rows past the retention period."""
        return await prune_delivered(engine, older_than=clock.now() - self.retention)

    async def close(self) -> None:
        """Close the consumers' connections (NATS)."""
        for close in self.closers:
            await close()

    def jobs(self, interval_seconds: float) -> list[tuple[str, float, JobFn]]:
        """(name, interval, job) for every loop the worker must run."""
        return [
            ("events.fan_out", interval_seconds, self.fan_out),
            *((f"events.deliver.{c.name}", interval_seconds, self.deliverer(c)) for c in self.registry),
            ("events.observe", 15.0, self.observe),
            ("events.prune", 3600.0, self.prune),
        ]
