"""A worker process for the crash test: delivers one consumer's events, logging each handled event to a
progress file (before its batch commits), so the test can kill it mid-batch with SIGKILL."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mercato.db.engine import make_engine
from mercato.db.unit_of_work import Tx
from mercato.events import ConsumerRegistry, Event, deliver_batch, fan_out
from mercato.kernel.clock import SystemClock
from tests.integration.events.recording import RecordingConsumer


class ProgressConsumer(RecordingConsumer):
    progress: Path | None = None

    async def handle(self, tx: Tx, event: Event) -> None:
        await super().handle(tx, event)
        assert self.progress is not None
        with self.progress.open("a") as out:
            out.write(event.id + "\n")


async def main(database_url: str, progress: Path, batch_size: int) -> None:
    engine = make_engine(database_url, pool_size=2, max_overflow=0)
    consumer = ProgressConsumer("crashy", pause_seconds=0.02)
    consumer.progress = progress
    registry = ConsumerRegistry([consumer])
    try:
        await fan_out(engine, registry, now=SystemClock().now())
        while (await deliver_batch(engine, consumer, now=SystemClock().now(), batch_size=batch_size)).claimed:
            pass
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
