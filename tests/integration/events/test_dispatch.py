"""The outbox dispatcher: every consumer gets every event it wants exactly once, in order per aggregate,
even when dispatchers crash mid-batch or race each other."""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.events import ConsumerRegistry, EventDispatch, EventMetrics, deliver_batch, fan_out
from mercato.kernel.clock import FrozenClock, SystemClock
from tests.conftest import ROOT
from tests.integration.events.recording import RecordingConsumer, effects, emit_events, ensure_effects_table


@pytest.fixture(autouse=True)
def effects_table(database_url: str) -> Iterator[None]:
    yield from ensure_effects_table(database_url)


def interleaved_plan(aggregates: int, per_aggregate: int) -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    queues = {f"order_{a}": [f"order.step{i}" for i in range(per_aggregate)] for a in range(aggregates)}
    plan = []
    while queues:
        key = rng.choice(sorted(queues))
        plan.append(("order", key, queues[key].pop(0)))
        if not queues[key]:
            del queues[key]
    return plan


async def drain(engine: AsyncEngine, registry: ConsumerRegistry, consumer: RecordingConsumer, **kw: object) -> None:
    now = kw.pop("now", None) or SystemClock().now()
    await fan_out(engine, registry, now=now)  # type: ignore[arg-type]
    while (await deliver_batch(engine, consumer, now=now, **kw)).claimed:  # type: ignore[arg-type]
        pass


def assert_exactly_once_in_order(rows: list[dict[str, object]], event_ids: list[str]) -> None:
    counts = Counter(r["event_id"] for r in rows)
    assert set(counts) == set(event_ids)
    assert max(counts.values()) == 1, [e for e, n in counts.items() if n > 1]
    by_aggregate: dict[object, list[int]] = defaultdict(list)
    for r in rows:
        by_aggregate[r["aggregate_key"]].append(r["seq"])  # type: ignore[arg-type]
    for key, seqs in by_aggregate.items():
        assert seqs == sorted(seqs), f"{key} delivered out of order"


async def test_each_consumer_gets_every_event_once_in_aggregate_order(engine: AsyncEngine, database_url: str) -> None:
    ids = await emit_events(engine, interleaved_plan(aggregates=5, per_aggregate=8))
    first, second = RecordingConsumer("first"), RecordingConsumer("second")
    registry = ConsumerRegistry([first, second])
    await drain(engine, registry, first, batch_size=7)
    await drain(engine, registry, second, batch_size=3)
    assert_exactly_once_in_order(effects(database_url, "first"), ids)
    assert_exactly_once_in_order(effects(database_url, "second"), ids)


async def test_a_consumer_receives_only_the_event_types_it_subscribes_to(
    engine: AsyncEngine, database_url: str
) -> None:
    ids = await emit_events(engine, [("order", "o1", "order.confirmed"), ("user", "u1", "user.registered")])
    picky = RecordingConsumer("picky", event_types=frozenset({"order.confirmed"}))
    await drain(engine, ConsumerRegistry([picky]), picky)
    assert [r["event_id"] for r in effects(database_url)] == [ids[0]]


async def test_a_dispatcher_cancelled_mid_batch_leaves_nothing_half_done(
    engine: AsyncEngine, database_url: str
) -> None:
    ids = await emit_events(engine, interleaved_plan(aggregates=4, per_aggregate=5))
    crashing = RecordingConsumer("mailer", block_after=6)
    registry = ConsumerRegistry([crashing])
    await fan_out(engine, registry, now=SystemClock().now())
    task = asyncio.create_task(deliver_batch(engine, crashing, now=SystemClock().now(), batch_size=50))
    await crashing.blocked.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert effects(database_url) == []  # the six handled events were rolled back with their marks

    restarted = RecordingConsumer("mailer")
    await drain(engine, registry, restarted)
    assert_exactly_once_in_order(effects(database_url), ids)


async def test_concurrent_dispatchers_never_hold_the_same_event_or_aggregate(
    engine: AsyncEngine, database_url: str
) -> None:
    ids = await emit_events(engine, interleaved_plan(aggregates=12, per_aggregate=10))
    shared = RecordingConsumer("shared", pause_seconds=0.002)  # one object: it sees all in-flight work
    registry = ConsumerRegistry([shared])
    await fan_out(engine, registry, now=SystemClock().now())

    async def dispatcher() -> None:
        idle = 0
        while idle < 3:
            outcome = await deliver_batch(engine, shared, now=SystemClock().now(), batch_size=4)
            idle = idle + 1 if outcome.claimed == 0 else 0
            await asyncio.sleep(0)

    await asyncio.gather(*(dispatcher() for _ in range(6)))
    assert shared.violations == []
    assert_exactly_once_in_order(effects(database_url), ids)


async def test_a_failing_event_is_retried_later_and_holds_back_only_its_own_aggregate(
    engine: AsyncEngine, database_url: str
) -> None:
    ids = await emit_events(
        engine,
        [("order", "a", "order.one"), ("order", "a", "order.two"), ("order", "b", "order.one")],
    )
    consumer = RecordingConsumer("flaky", fail_times={ids[0]: 2})
    registry = ConsumerRegistry([consumer])
    clock = FrozenClock(SystemClock().now())
    await drain(engine, registry, consumer, now=clock.now())
    assert [r["event_id"] for r in effects(database_url)] == [ids[2]]  # b went through, a waits behind its head

    clock.advance(timedelta(seconds=1))
    await drain(engine, registry, consumer, now=clock.now())  # second failure
    clock.advance(timedelta(seconds=10))
    await drain(engine, registry, consumer, now=clock.now())
    assert [r["event_id"] for r in effects(database_url)] == [ids[2], ids[0], ids[1]]


async def test_a_poison_event_is_dead_lettered_and_its_aggregate_moves_on(
    engine: AsyncEngine, database_url: str, db: object
) -> None:
    ids = await emit_events(engine, [("order", "a", "order.one"), ("order", "a", "order.two")])
    consumer = RecordingConsumer("strict", fail_times={ids[0]: 1000})
    registry = ConsumerRegistry([consumer])
    clock = FrozenClock(SystemClock().now())
    for _ in range(3):
        await drain(engine, registry, consumer, now=clock.now(), max_attempts=3)
        clock.advance(timedelta(minutes=10))
    assert [r["event_id"] for r in effects(database_url)] == [ids[1]]
    status = db.execute(  # type: ignore[attr-defined]
        "SELECT status, attempts, last_error FROM consumer_deliveries WHERE event_id = %s", (ids[0],)
    ).fetchone()
    assert status[0] == "dead"
    assert status[1] == 3
    assert "refuses" in status[2]


async def test_lag_is_the_age_of_the_oldest_undelivered_event(engine: AsyncEngine) -> None:
    await emit_events(engine, [("order", "a", "order.one")])
    consumer = RecordingConsumer("slow")
    metrics_registry = CollectorRegistry()
    dispatch = EventDispatch(registry=ConsumerRegistry([consumer]), metrics=EventMetrics(metrics_registry))
    clock = FrozenClock(SystemClock().now() + timedelta(minutes=5))

    def lag(consumer_name: str) -> float:
        value = metrics_registry.get_sample_value("mercato_event_lag_seconds", {"consumer": consumer_name})
        assert value is not None
        return value

    await dispatch.observe(engine, clock)
    assert lag("outbox") >= 299
    await dispatch.fan_out(engine, clock)
    await dispatch.observe(engine, clock)
    assert lag("outbox") == 0
    assert lag("slow") >= 299
    assert await dispatch.deliverer(consumer)(engine, clock) == 1
    await dispatch.observe(engine, clock)
    assert lag("slow") == 0
    assert metrics_registry.get_sample_value("mercato_events_delivered_total", {"consumer": "slow"}) == 1


def _run_child(database_url: str, progress: Path, batch_size: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.events.dispatch_child", database_url, str(progress), str(batch_size)],
        cwd=ROOT,
    )


async def test_a_killed_worker_process_redelivers_exactly_once_after_restart(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    ids = await emit_events(engine, interleaved_plan(aggregates=6, per_aggregate=5))
    progress = tmp_path / "progress"
    progress.touch()
    child = _run_child(database_url, progress, batch_size=5)
    try:
        while len(progress.read_text().split()) < 8:  # the first batch (5) committed, 3 into the second
            assert child.poll() is None, "the worker ended before it could be killed"
            await asyncio.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    handled_before_kill = len(progress.read_text().split())
    committed = effects(database_url)
    assert len(committed) < handled_before_kill  # killed mid-batch: some handled events were not committed

    restarted = _run_child(database_url, progress, batch_size=5)
    assert restarted.wait(timeout=120) == 0
    assert_exactly_once_in_order(effects(database_url), ids)
