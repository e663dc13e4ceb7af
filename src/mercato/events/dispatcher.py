"""Delivery: hand one consumer its pending events, in order per aggregate, exactly once.

A batch is claimed with `FOR UPDATE SKIP LOCKED` and handled in the *same* transaction that marks each
event delivered, so (1) two dispatchers never hold the same event, (2) a crash anywhere rolls the
consumer's writes back together with the marks, and the retry finds them undone: effects happen once.

Order per aggregate: only an aggregate's oldest pending event (its head) can be claimed (a correlated
`min(seq)` per candidate: one index probe whatever the table statistics say, where an anti-join was
planned as a scan of every pending row once the statistics went stale); a second
dispatcher that meets a locked head skips it, and cannot take the next event of that aggregate because
the head is still pending. The claimer of a head then also takes the events that follow it, in order.
A failing event is retried with backoff (its successors wait behind it) and after `max_attempts` is
marked dead for that consumer, so one poison event cannot stall an aggregate forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.infra_tables import outbox
from mercato.db.unit_of_work import Tx
from mercato.events.envelope import Event
from mercato.events.registry import Consumer, ConsumerUnavailable
from mercato.events.tables import consumer_deliveries as cd

logger = structlog.get_logger("mercato.events")

_CLAIM_HEADS = text(
    """
    SELECT d.event_id, d.aggregate_key, d.seq, d.attempts
    FROM consumer_deliveries d
    WHERE d.consumer = :consumer AND d.status = 'pending' AND d.next_attempt_at <= :now
      AND d.seq = (
        SELECT min(e.seq) FROM consumer_deliveries e
        WHERE e.consumer = d.consumer AND e.aggregate_key = d.aggregate_key AND e.status = 'pending')
    ORDER BY d.seq
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
    """
)

_CLAIM_FOLLOWERS = text(
    """
    SELECT d.event_id, d.aggregate_key, d.seq, d.attempts
    FROM consumer_deliveries d
    WHERE d.consumer = :consumer AND d.status = 'pending' AND d.aggregate_key = ANY(:keys)
      AND NOT (d.event_id = ANY(:heads))
    ORDER BY d.seq
    LIMIT :limit
    FOR UPDATE
    """
)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What one `deliver_batch` did, for metrics and the job log."""

    delivered: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        """How many events were handed to the consumer."""
        return self.delivered + self.failed + self.dead


def retry_delay(attempts: int) -> timedelta:
    """Backoff before retrying a failed event: 1 s, 2 s, 4 s, … capped at 5 minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


async def _claim(conn: AsyncConnection, consumer: str, now: datetime, limit: int) -> list[tuple[str, str, int, int]]:
    heads = (await conn.execute(_CLAIM_HEADS, {"consumer": consumer, "now": now, "limit": limit})).all()
    if not heads:
        return []
    keys = sorted({h.aggregate_key for h in heads})
    followers = (
        await conn.execute(
            _CLAIM_FOLLOWERS,
            {"consumer": consumer, "keys": keys, "heads": [h.event_id for h in heads], "limit": limit},
        )
    ).all()
    return [(r.event_id, r.aggregate_key, r.seq, r.attempts) for r in [*heads, *followers]]


async def _load_events(conn: AsyncConnection, event_ids: list[str]) -> dict[str, Event]:
    rows = await conn.execute(select(outbox).where(outbox.c.id.in_(event_ids)))
    return {
        r.id: Event(
            id=r.id,
            seq=r.seq,
            aggregate=r.aggregate,
            aggregate_id=r.aggregate_id,
            type=r.event_type,
            version=r.version,
            payload=r.payload,
            created_at=r.created_at,
        )
        for r in rows
    }


class _HandlerFailed(Exception):
    """A handler failed on the fast path: the batch is rolled back and redone one savepoint per event."""


async def deliver_batch(
    engine: AsyncEngine,
    consumer: Consumer,
    *,
    now: datetime,
    batch_size: int = 100,
    max_attempts: int = 10,
    on_delivered: Callable[[Event], None] | None = None,
) -> DeliveryOutcome:
    """Claim up to `batch_size` of the consumer's due events (plus the events queued behind them) and
    deliver them; commits once at the end, so a crash mid-batch undoes the whole batch.

    The common case runs every handler straight in the batch transaction and marks the batch delivered
    with one statement; only when a handler fails is the batch redone with a savepoint per event, so the
    failure can be recorded and the other aggregates' events still delivered."""
    limit: int | None = getattr(consumer, "max_attempts", max_attempts)
    try:
        outcome, delivered = await _deliver(engine, consumer, now, batch_size, limit, careful=False)
    except _HandlerFailed:
        outcome, delivered = await _deliver(engine, consumer, now, batch_size, limit, careful=True)
    if on_delivered:
        for event in delivered:
            on_delivered(event)
    return outcome


async def _deliver(
    engine: AsyncEngine, consumer: Consumer, now: datetime, batch_size: int, limit: int | None, *, careful: bool
) -> tuple[DeliveryOutcome, list[Event]]:
    delivered: list[Event] = []
    failed = dead = 0
    async with engine.connect() as conn, conn.begin():
        claimed = await _claim(conn, consumer.name, now, batch_size)
        if not claimed:
            return DeliveryOutcome(), []
        events = await _load_events(conn, [c[0] for c in claimed])
        runs: dict[str, list[tuple[str, int, int]]] = {}
        for event_id, key, seq, attempts in claimed:
            runs.setdefault(key, []).append((event_id, seq, attempts))
        stop = False
        for run in sorted(runs.values(), key=lambda r: min(seq for _, seq, _ in r)):
            for event_id, _, attempts in sorted(run, key=lambda item: item[1]):
                event = events.get(event_id)
                if not careful:
                    if event is None:
                        raise _HandlerFailed
                    await _handle(conn, consumer, event, careful=False)
                    delivered.append(event)
                    continue
                error, unavailable = (
                    await _handle(conn, consumer, event, careful=True) if event else ("event row missing", False)
                )
                if error is None and event is not None:
                    delivered.append(event)
                    continue
                give_up = not unavailable and limit is not None and attempts + 1 >= limit
                await _record_failure(conn, consumer.name, event_id, attempts + 1, error, now=now, give_up=give_up)
                dead, failed = dead + give_up, failed + (not give_up)
                stop = unavailable
                break  # the rest of this aggregate waits behind the failed event
            if stop:
                break
        if delivered:
            await conn.execute(
                update(cd)
                .where(cd.c.consumer == consumer.name, cd.c.event_id.in_([e.id for e in delivered]))
                .values(status="delivered", delivered_at=now, attempts=cd.c.attempts + 1, last_error=None)
            )
    return DeliveryOutcome(delivered=len(delivered), failed=failed, dead=dead), delivered


async def _handle(conn: AsyncConnection, consumer: Consumer, event: Event, *, careful: bool) -> tuple[str | None, bool]:
    """Run the handler (and flush the events it emits). Fast path: any failure aborts the batch.
    Careful path: inside a savepoint, returning the error text and whether the downstream is unavailable."""
    if not careful:
        try:
            tx = Tx(conn)
            await consumer.handle(tx, event)
            await tx.flush_events()
        except Exception as exc:  # retried in careful mode, where it is recorded
            raise _HandlerFailed from exc
        return None, False
    try:
        async with conn.begin_nested():
            tx = Tx(conn)
            await consumer.handle(tx, event)
            await tx.flush_events()
    except Exception as exc:  # a consumer's failure is recorded and retried, never fatal to the batch
        logger.warning("event_delivery_failed", consumer=consumer.name, event_id=event.id, error=repr(exc))
        return f"{type(exc).__name__}: {exc}"[:2000], isinstance(exc, ConsumerUnavailable)
    return None, False


async def _record_failure(
    conn: AsyncConnection,
    consumer: str,
    event_id: str,
    attempts: int,
    error: str | None,
    *,
    now: datetime,
    give_up: bool,
) -> None:
    """Count the failed attempt: retry after a backoff, or mark the delivery dead when giving up."""
    values: dict[str, object] = {"attempts": attempts, "last_error": error}
    if give_up:
        values.update(status="dead", delivered_at=now)
        logger.error("event_dead_lettered", consumer=consumer, event_id=event_id, error=error)
    else:
        values["next_attempt_at"] = now + retry_delay(attempts)
    await conn.execute(update(cd).where(cd.c.consumer == consumer, cd.c.event_id == event_id).values(**values))
