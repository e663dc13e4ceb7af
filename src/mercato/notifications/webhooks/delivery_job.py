"""The webhook delivery job: claim due deliveries with a lease, POST them signed, record the outcome.

No transaction is open during the HTTP calls (the claim commits first, pushing `next_attempt_at` past the
per-attempt timeout), calls run concurrently under a cap, and each has a hard timeout: a slow merchant
endpoint costs the worker at most its timeout and never touches the checkout path. Failures back off
exponentially; a delivery whose next attempt would fall past the retry horizon (24 h) is dead-lettered.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import structlog
from sqlalchemy import Row, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import Clock
from mercato.notifications.domain import webhook_retry_delay
from mercato.notifications.metrics import NotificationMetrics
from mercato.notifications.tables import webhook_deliveries as wd
from mercato.notifications.tables import webhook_endpoints as we
from mercato.notifications.webhooks.signing import SIGNATURE_HEADER, signature_header

logger = structlog.get_logger("mercato.webhooks")

_CLAIM = text(
    """
    WITH claimed AS MATERIALIZED (
      SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= :now
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
    UPDATE webhook_deliveries d SET next_attempt_at = :lease_until
    FROM claimed WHERE d.id = claimed.id
    RETURNING d.id, d.endpoint_id, d.merchant_id, d.event_id, d.event_type, d.body, d.attempts, d.created_at
    """
)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class WebhookDeliverer:
    metrics: NotificationMetrics
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 60.0
    retry_max_delay_seconds: float = 3600.0
    retry_horizon: timedelta = timedelta(hours=24)
    concurrency: int = 20
    batch_size: int = 100
    transport: httpx.AsyncBaseTransport | None = None

    async def run(self, engine: AsyncEngine, clock: Clock) -> int:
        """Attempt one batch of due deliveries; returns how many succeeded."""
        now = clock.now()
        lease_until = now + timedelta(seconds=self.timeout_seconds + 30)
        async with engine.begin() as conn:
            claimed = (
                await conn.execute(_CLAIM, {"now": now, "lease_until": lease_until, "limit": self.batch_size})
            ).all()
            if not claimed:
                return 0
            endpoints = {
                r.id: r for r in await conn.execute(select(we).where(we.c.id.in_({c.endpoint_id for c in claimed})))
            }
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(
            timeout=self.timeout_seconds, follow_redirects=False, transport=self.transport
        ) as client:

            async def attempt(delivery: Row[Any]) -> AttemptResult:
                async with gate:
                    return await self._attempt(client, delivery, endpoints.get(delivery.endpoint_id), now)

            results = await asyncio.gather(*(attempt(d) for d in claimed))
        async with engine.begin() as conn:
            for delivery, result in zip(claimed, results, strict=True):
                await conn.execute(
                    update(wd).where(wd.c.id == delivery.id).values(**self._outcome(delivery, result, now))
                )
        return sum(r.succeeded for r in results)

    async def _attempt(
        self, client: httpx.AsyncClient, delivery: Row[Any], endpoint: Row[Any] | None, now: datetime
    ) -> AttemptResult:
        if endpoint is None or endpoint.status != "enabled":
            return AttemptResult(None, "the endpoint is disabled")
        secrets_in_force = [endpoint.secret]
        if (
            endpoint.previous_secret
            and endpoint.previous_secret_expires_at
            and endpoint.previous_secret_expires_at > now
        ):
            secrets_in_force.append(endpoint.previous_secret)
        body = orjson.dumps(delivery.body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Mercato-Webhooks/1",
            SIGNATURE_HEADER: signature_header(secrets_in_force, int(now.timestamp()), body),
            "Mercato-Event-Id": delivery.event_id,
            "Mercato-Event-Type": delivery.event_type,
            "Mercato-Delivery-Id": delivery.id,
        }
        started = time.perf_counter()
        try:
            response = await client.post(endpoint.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return AttemptResult(None, f"no answer within {self.timeout_seconds:g} s")
        except httpx.HTTPError as exc:
            return AttemptResult(None, f"{type(exc).__name__}: {exc}"[:500])
        finally:
            self.metrics.webhook_latency.observe(time.perf_counter() - started)
        if 200 <= response.status_code < 300:
            return AttemptResult(response.status_code, None)
        return AttemptResult(response.status_code, f"the endpoint answered {response.status_code}")

    def _outcome(self, delivery: Row[Any], result: AttemptResult, now: datetime) -> dict[str, Any]:
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_status_code": result.status_code,
            "last_error": result.error,
        }
        if result.succeeded:
            self.metrics.webhook_attempts.labels(delivery.merchant_id, "succeeded").inc()
            return {**values, "status": "succeeded", "delivered_at": now}
        retry_at = now + webhook_retry_delay(
            attempts, base_seconds=self.retry_base_seconds, max_delay_seconds=self.retry_max_delay_seconds
        )
        if retry_at > delivery.created_at + self.retry_horizon:
            self.metrics.webhook_attempts.labels(delivery.merchant_id, "dead").inc()
            logger.warning("webhook_dead_lettered", delivery_id=delivery.id, error=result.error)
            return {**values, "status": "dead"}
        self.metrics.webhook_attempts.labels(delivery.merchant_id, "failed").inc()
        return {**values, "next_attempt_at": retry_at}

    async def observe(self, engine: AsyncEngine, clock: Clock) -> int:
        """Refresh the backlog and dead-letter gauges."""
        async with engine.connect() as conn:
            counts: dict[str, int] = dict(
                (await conn.execute(select(wd.c.status, func.count()).group_by(wd.c.status))).all()
            )
        self.metrics.webhook_backlog.set(counts.get("pending", 0))
        self.metrics.webhook_dead.set(counts.get("dead", 0))
        return 0
