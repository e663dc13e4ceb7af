"""Run a stock move inside a savepoint and retry it when PostgreSQL picks it as a deadlock victim.

Stock rows are locked in key order so moves cannot deadlock each other, but a caller holding other locks
still might; rolling back to the savepoint drops exactly this attempt's locks and writes, so the move can
be retried without failing the caller's whole unit of work. The savepoint also keeps a refused move
(out of stock, conflict) from aborting the caller's transaction.

Serialization failures (40001) are deliberately not retried here: they only arise when the caller runs
REPEATABLE READ or SERIALIZABLE, whose snapshot is fixed for the whole transaction, so a retry inside it
would fail the same way; such a caller must retry its whole unit of work. Mercato's units of work run
READ COMMITTED, where the locking reads always see the latest committed row.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")

DEADLOCK_DETECTED = "40P01"
UNIQUE_VIOLATION = "23505"
TRANSIENT = frozenset({DEADLOCK_DETECTED})


class RetryMove(Exception):
    """Raised by a move when what it saw changed under it (e.g. a plan went stale); it is simply re-run."""


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error, if the driver reported one."""
    code = getattr(exc.orig, "sqlstate", None)
    return code if isinstance(code, str) else None


async def with_retries(
    conn: AsyncConnection,
    move: Callable[[], Awaitable[T]],
    *,
    retry_on: Collection[str] = TRANSIENT,
    attempts: int = 6,
    events: list[dict[str, Any]] | None = None,
) -> T:
    """Run `move` in a savepoint; on a deadlock (or a `retry_on` error) or RetryMove, roll back to it and
    run again, up to `attempts` times. `events` (the unit of work's) loses what a rolled-back attempt
    emitted, like the database loses its writes."""
    emitted = len(events) if events is not None else 0
    for attempt in range(1, attempts + 1):
        if events is not None:
            del events[emitted:]
        try:
            async with conn.begin_nested():
                return await move()
        except DBAPIError as exc:
            if attempt == attempts or sqlstate(exc) not in retry_on:
                raise
        except RetryMove:
            if attempt == attempts:
                raise
        # Jittered exponential backoff, so colliding movers do not collide again in lock step.
        await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover
