"""The `mercato worker` process: runs each registered periodic job on its own interval.

Jobs must be idempotent and safe to run in parallel in several workers (they claim work with
FOR UPDATE SKIP LOCKED); a failing job is logged and retried on its next tick, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import structlog
from prometheus_client import CollectorRegistry, start_http_server
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.cart.jobs import purge_expired_guest_carts
from mercato.checkout.jobs import recovery_job
from mercato.checkout.reminders import reminder_job
from mercato.config import Settings
from mercato.db.engine import make_engine
from mercato.db.jobs import purge_expired_idempotency_keys
from mercato.events import Consumer, ConsumerRegistry, EventDispatch, EventMetrics, NatsRelay
from mercato.events.slis import SliJobs, SliMetrics, SliRecorder, StuckAges
from mercato.http.log_config import configure_logging
from mercato.inventory.jobs import SweeperMetrics, audit_stock, release_expired_reservations
from mercato.kernel.clock import Clock, SystemClock
from mercato.notifications import (
    CustomerNotifier,
    DevSinkSms,
    FileMailer,
    Mailer,
    MessageRenderer,
    NotificationMetrics,
    NotificationSender,
    SmtpMailer,
    WebhookDeliverer,
    WebhookFanout,
    prune_finished,
)
from mercato.orders.jobs import settle_canceled_job
from mercato.payments import reconciliation_job

logger = structlog.get_logger("mercato.worker")

JobFn = Callable[[AsyncEngine, Clock], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job and how often it runs."""

    name: str
    interval_seconds: float
    run: JobFn
    close: Callable[[], Awaitable[None]] | None = None  # called once when the worker stops


def _mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
    return FileMailer(settings.mail_sink_dir, settings.mail_from)


def event_jobs(settings: Settings, *, clock: Clock, metrics: CollectorRegistry) -> list[PeriodicJob]:
    """Outbox dispatch to every consumer (NATS relay, customer notifications, merchant webhooks, SLIs),
    the senders that do the network part, and their observers and retention."""
    notification_metrics, sli_metrics = NotificationMetrics(metrics), SliMetrics(metrics)
    consumers: list[Consumer] = [
        CustomerNotifier(renderer=MessageRenderer(), clock=clock, metrics=notification_metrics),
        WebhookFanout(clock=clock),
        SliRecorder(sli_metrics),
    ]
    relay: NatsRelay | None = None
    if settings.nats_url:
        relay = NatsRelay(
            url=settings.nats_url,
            stream=settings.nats_stream,
            subject_prefix=settings.nats_subject_prefix,
            duplicate_window_seconds=settings.nats_duplicate_window_seconds,
            publish_timeout_seconds=settings.nats_publish_timeout_seconds,
        )
        consumers.append(relay)
    dispatch = EventDispatch(
        registry=ConsumerRegistry(consumers),
        metrics=EventMetrics(metrics),
        batch_size=settings.event_batch_size,
        max_attempts=settings.event_max_attempts,
        retention=timedelta(days=settings.event_retention_days),
        closers=[relay.close] if relay else [],
    )
    sender = NotificationSender(
        mailer=_mailer(settings),
        sms=DevSinkSms(settings.sms_sink_dir),
        metrics=notification_metrics,
        max_attempts=settings.notification_max_attempts,
        lease=timedelta(seconds=settings.smtp_timeout_seconds + 30),
    )
    webhooks = WebhookDeliverer(
        metrics=notification_metrics,
        timeout_seconds=settings.webhook_timeout_seconds,
        retry_base_seconds=settings.webhook_retry_base_seconds,
        retry_max_delay_seconds=settings.webhook_retry_max_delay_seconds,
        retry_horizon=timedelta(seconds=settings.webhook_retry_horizon_seconds),
        concurrency=settings.webhook_concurrency,
    )
    slis = SliJobs(
        metrics=sli_metrics,
        stuck_ages=StuckAges(
            open_orders=timedelta(seconds=settings.stuck_order_age_seconds),
            shipped_orders=timedelta(seconds=settings.stuck_shipped_order_age_seconds),
        ),
        retention_days=settings.sli_retention_days,
    )
    return [
        *(
            PeriodicJob(name, interval, run, close=dispatch.close if name == "events.fan_out" else None)
            for name, interval, run in dispatch.jobs(settings.event_dispatch_interval_seconds)
        ),
        PeriodicJob("notifications.send", 1.0, sender.run),
        PeriodicJob("webhooks.deliver", 1.0, webhooks.run),
        PeriodicJob("webhooks.observe", 15.0, webhooks.observe),
        PeriodicJob("notifications.prune", 3600.0, prune_finished),
        PeriodicJob("slis.stuck_orders", 60.0, slis.refresh_stuck),
        PeriodicJob("slis.prune", 3600.0, slis.prune),
    ]


def default_jobs(
    settings: Settings, registry: CollectorRegistry | None = None, *, clock: Clock | None = None
) -> list[PeriodicJob]:
    """The jobs every worker runs; contexts add theirs here. Job metrics go to `registry` (a fresh one if
    none is given, so building the jobs twice never collides)."""
    registry = registry if registry is not None else CollectorRegistry()
    return [
        PeriodicJob("purge_idempotency_keys", 300.0, purge_expired_idempotency_keys),
        PeriodicJob(
            "release_expired_reservations",
            settings.reservation_sweep_interval_seconds,
            partial(
                release_expired_reservations,
                batch_size=settings.reservation_sweep_batch_size,
                metrics=SweeperMetrics(registry),
            ),
        ),
        PeriodicJob("purge_expired_guest_carts", settings.cart_cleanup_interval_seconds, purge_expired_guest_carts),
        PeriodicJob("reconcile_payments", settings.payment_reconcile_interval_seconds, reconciliation_job(settings)),
        PeriodicJob("recover_checkouts", 10.0, recovery_job(settings)),
        PeriodicJob(
            "remind_expiring_checkouts",
            settings.reservation_reminder_interval_seconds,
            reminder_job(settings.reservation_reminder_lead_seconds),
        ),
        PeriodicJob("audit_stock", settings.stock_audit_interval_seconds, audit_stock),
        PeriodicJob("settle_canceled_orders", 60.0, settle_canceled_job(settings)),
        *event_jobs(settings, clock=clock or SystemClock(), metrics=registry),
    ]


def _serve_metrics(settings: Settings, registry: CollectorRegistry) -> Callable[[], None]:
    """Expose the worker's metrics for Prometheus to scrape (a busy port only costs the metrics); returns
    how to stop serving them."""
    if not settings.worker_metrics_port:
        return lambda: None
    try:
        server, _ = start_http_server(settings.worker_metrics_port, addr=settings.host, registry=registry)
    except OSError:
        logger.warning("worker_metrics_unavailable", port=settings.worker_metrics_port)
        return lambda: None
    return server.shutdown


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
    engine = make_engine(database_url, pool_size=settings.worker_db_pool_size, max_overflow=2)
    stop = stop or asyncio.Event()
    clock = SystemClock()
    registry = CollectorRegistry()
    jobs = default_jobs(settings, registry, clock=clock)
    stop_metrics = _serve_metrics(settings, registry)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)  # finish the running jobs, then exit
    logger.info("worker_started", jobs=[job.name for job in jobs])
    try:
        await asyncio.gather(*(_loop(job, engine, clock, stop) for job in jobs))
    finally:
        for job in jobs:
            if job.close is not None:
                await job.close()
        stop_metrics()
        await engine.dispose()
