"""The `mercato worker` process: runs each registered periodic job on its own interval.

Jobs must be idempotent and safe to run in parallel in several workers (they claim work with
FOR UPDATE SKIP LOCKED); a failing job is logged and retried on its next tick, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.db.engine import make_engine
from mercato.db.jobs import purge_expired_idempotency_keys
from mercato.http.log_config import configure_logging
from mercato.kernel.clock import Clock, SystemClock
from mercato.payments import reconciliation_job

logger = structlog.get_logger("mercato.worker")

JobFn = Callable[[AsyncEngine, Clock], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job and how often it runs."""

    name: str
    interval_seconds: float
    run: JobFn


def default_jobs(settings: Settings) -> list[PeriodicJob]:
    """The jobs every worker runs; contexts add theirs here."""
    return [
        PeriodicJob("purge_idempotency_keys", 300.0, purge_expired_idempotency_keys),
        PeriodicJob("reconcile_payments", settings.payment_reconcile_interval_seconds, reconciliation_job(settings)),
    ]


async def _loop(job: PeriodicJob, engine: AsyncEngine, clock: Clock, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            done = await job.run(engine, clock)
            if done:
                logger.info("job_ran", job=job.name, items=done)
        except Exception:  # a job failure must not kill the worker; it retries next tick
            logger.exception("job_failed", job=job.name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=job.interval_seconds)


async def run_worker(settings: Settings, database_url: str, *, stop: asyncio.Event | None = None) -> None:
    """Run every job until `stop` is set (or the process is interrupted)."""
    configure_logging(level=settings.log_level, json=settings.log_json)
    engine = make_engine(database_url, pool_size=4, max_overflow=2)
    stop = stop or asyncio.Event()
    clock = SystemClock()
    logger.info("worker_started")
    try:
        await asyncio.gather(*(_loop(job, engine, clock, stop) for job in default_jobs(settings)))
    finally:
        await engine.dispose()
