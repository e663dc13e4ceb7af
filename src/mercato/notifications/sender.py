"""The sender job: claims due messages with a lease, sends them concurrently, records the outcome.

The claim pushes `next_attempt_at` forward by the lease and commits before any network call, so no
database transaction is held open while an SMTP server is slow, and a worker that dies mid-send
leaves the message to be retried when the lease runs out (at-least-once; `Message-ID` is stable).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Row, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import Clock
from mercato.notifications.channels import Mailer, OutgoingEmail, SmsProvider
from mercato.notifications.domain import notification_retry_delay
from mercato.notifications.metrics import NotificationMetrics
from mercato.notifications.tables import notifications

logger = structlog.get_logger("mercato.notifications")

_CLAIM = text(
    """
    WITH claimed AS MATERIALIZED (
      SELECT id FROM notifications WHERE status = 'pending' AND next_attempt_at <= :now
      ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
    UPDATE notifications n SET next_attempt_at = :lease_until, attempts = n.attempts + 1
    FROM claimed WHERE n.id = claimed.id
    RETURNING n.id, n.channel, n.category, n.recipient, n.subject, n.body_text, n.body_html, n.attempts
    """
)


@dataclass(slots=True)
class NotificationSender:
    mailer: Mailer
    sms: SmsProvider
    metrics: NotificationMetrics
    max_attempts: int = 8
    batch_size: int = 50
    lease: timedelta = timedelta(seconds=60)
    concurrency: int = 10

    async def run(self, engine: AsyncEngine, clock: Clock) -> int:
        """Send one batch of due messages; returns how many went out."""
        now = clock.now()
        async with engine.begin() as conn:
            claimed = (
                await conn.execute(_CLAIM, {"now": now, "lease_until": now + self.lease, "limit": self.batch_size})
            ).all()
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.concurrency)

        async def attempt(row: Row[Any]) -> str | None:
            async with gate:
                try:
                    await self._send(row)
                except Exception as exc:  # any failure of the channel is retried later
                    logger.warning("notification_send_failed", id=row.id, error=repr(exc))
                    return f"{type(exc).__name__}: {exc}"[:2000]
                return None

        errors = await asyncio.gather(*(attempt(row) for row in claimed))
        async with engine.begin() as conn:
            for row, error in zip(claimed, errors, strict=True):
                outcome = self._outcome(row, error, now)
                await conn.execute(update(notifications).where(notifications.c.id == row.id).values(**outcome))
        return sum(error is None for error in errors)

    async def _send(self, r: Row[Any]) -> None:
        if r.channel == "email":
            await self.mailer.send(
                OutgoingEmail(
                    notification_id=r.id,
                    to=r.recipient,
                    subject=r.subject or "",
                    text=r.body_text,
                    html=r.body_html,
                )
            )
        else:
            await self.sms.send(notification_id=r.id, to=r.recipient, text=r.body_text)

    def _outcome(self, row: Row[Any], error: str | None, now: datetime) -> dict[str, object]:
        channel, category, attempts = row.channel, row.category, row.attempts
        if error is None:
            self.metrics.sent.labels(channel, category).inc()
            return {"status": "sent", "sent_at": now, "last_error": None}
        self.metrics.send_failures.labels(channel).inc()
        if attempts >= self.max_attempts:
            self.metrics.given_up.labels(channel).inc()
            return {"status": "failed", "last_error": error}
        return {"next_attempt_at": now + notification_retry_delay(attempts), "last_error": error}
