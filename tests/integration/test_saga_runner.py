"""The saga runner on real PostgreSQL: progress persisted, reverse compensation, resume and recovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.checkout.saga import SagaContext, SagaRunner
from mercato.kernel.clock import FrozenClock
from mercato.kernel.errors import OutOfStock, RequestInProgress


@dataclass
class Journal:
    """What the toy steps did, in order."""

    entries: list[str] = field(default_factory=list)


@dataclass
class ToyStep:
    """A step that writes to the journal, and can be told to fail."""

    name: str
    journal: Journal
    fail: Exception | None = None
    records_itself: bool = False

    async def run(self, ctx: SagaContext) -> None:
        if self.fail:
            raise self.fail
        self.journal.entries.append(f"run {self.name}")
        ctx.state[self.name] = "done"

    async def compensate(self, ctx: SagaContext) -> None:
        self.journal.entries.append(f"undo {self.name}")


def _runner(engine: AsyncEngine, clock: FrozenClock, journal: Journal, fail_at: str | None = None) -> SagaRunner:
    steps = [
        ToyStep(name, journal, fail=OutOfStock("gone", skus=["sku_1"]) if name == fail_at else None)
        for name in ("reserve", "price", "authorize", "order")
    ]
    return SagaRunner(engine=engine, steps=steps, clock=clock, lease=timedelta(seconds=30))


async def test_all_steps_run_in_order_and_progress_is_stored(engine: AsyncEngine, db: object) -> None:
    journal, clock = Journal(), FrozenClock(datetime.now(UTC))
    runner = _runner(engine, clock, journal)
    ctx = await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")
    await runner.run(ctx)
    assert journal.entries == ["run reserve", "run price", "run authorize", "run order"]
    row = db.execute("SELECT steps_done, state FROM checkout_sessions").fetchone()  # type: ignore[attr-defined]
    assert row[0] == ["reserve", "price", "authorize", "order"] and row[1]["authorize"] == "done"


async def test_failure_compensates_completed_steps_in_reverse(engine: AsyncEngine, db: object) -> None:
    journal, clock = Journal(), FrozenClock(datetime.now(UTC))
    runner = _runner(engine, clock, journal, fail_at="authorize")
    ctx = await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")
    with pytest.raises(OutOfStock):
        await runner.run(ctx)
    assert journal.entries == ["run reserve", "run price", "undo authorize", "undo price", "undo reserve"]
    status, done, error = db.execute("SELECT status, steps_done, error FROM checkout_sessions").fetchone()  # type: ignore[attr-defined]
    assert status == "failed" and done == [] and error["code"] == "out-of-stock" and error["skus"] == ["sku_1"]


async def test_live_session_cannot_be_resumed_twice(engine: AsyncEngine) -> None:
    journal, clock = Journal(), FrozenClock(datetime.now(UTC))
    runner = _runner(engine, clock, journal)
    await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")
    with pytest.raises(RequestInProgress):
        await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")


async def test_abandoned_session_resumes_where_it_stopped(engine: AsyncEngine) -> None:
    journal, clock = Journal(), FrozenClock(datetime.now(UTC))
    runner = _runner(engine, clock, journal)
    ctx = await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")
    # The first process completes two steps and dies.
    crashed = SagaRunner(engine=engine, steps=runner.steps[:2], clock=clock)
    await crashed.run(ctx)
    clock.advance(timedelta(seconds=31))
    resumed = await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")
    assert resumed.done == ["reserve", "price"]
    await runner.run(resumed)
    assert journal.entries == ["run reserve", "run price", "run authorize", "run order"]


async def test_recovery_compensates_abandoned_sessions_once(engine: AsyncEngine, db: object) -> None:
    journal, clock = Journal(), FrozenClock(datetime.now(UTC))
    runner = _runner(engine, clock, journal)
    ctx = await runner.start_or_resume(user_id="usr_1", idempotency_key="k", cart_id="cart_1")
    await SagaRunner(engine=engine, steps=runner.steps[:3], clock=clock).run(ctx)
    assert await runner.recover_abandoned() == 0  # lease still live
    clock.advance(timedelta(seconds=31))
    assert await runner.recover_abandoned() == 1
    assert await runner.recover_abandoned() == 0
    assert journal.entries[3:] == ["undo order", "undo authorize", "undo price", "undo reserve"]
    assert db.execute("SELECT status FROM checkout_sessions").fetchone() == ("failed",)  # type: ignore[attr-defined]
