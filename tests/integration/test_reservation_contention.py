"""No oversell under contention: many real connections at once against one PostgreSQL.

Each task opens its own unit of work on the `engine` fixture's pool (20 + 40 overflow connections), so
these are real concurrent transactions contending for the same rows, not interleaved coroutines on one
connection.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import (
    NoReservations,
    ReservationsReleased,
    check_invariants,
    commit_reservations,
    extend_reservations,
    release_reservations,
    reserve_stock,
)
from mercato.inventory.jobs import SweeperMetrics, release_expired_reservations
from mercato.inventory.services.stock_levels import receive_stock
from mercato.kernel.clock import FrozenClock
from mercato.kernel.errors import OutOfStock
from tests.inventory_factories import stock, warehouse

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def try_reserve(engine: AsyncEngine, holder: str, lines: list[tuple[str, int]], **kw: object) -> bool:
    try:
        async with unit_of_work(engine) as tx:
            await reserve_stock(tx, lines=lines, holder=holder, ttl_seconds=900, now=NOW, **kw)  # type: ignore[arg-type]
    except OutOfStock:
        return False
    return True


async def totals(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT sum(on_hand), sum(reserved), count(*) FILTER (WHERE reserved > on_hand OR on_hand < 0) "
                    "FROM inventory"
                )
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def invariants(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return await check_invariants(conn)


async def test_200_concurrent_reservations_of_one_unit_against_50_in_stock_sell_exactly_50(
    engine: AsyncEngine,
) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_hot", warehouse_id=wh, qty=50)
    results = await asyncio.gather(*(try_reserve(engine, f"chk_{n}", [("sku_hot", 1)]) for n in range(200)))
    assert sum(results) == 50
    assert await totals(engine) == (50, 50, 0)
    assert await invariants(engine) == []


async def test_200_concurrent_two_unit_reservations_split_over_three_warehouses_never_oversell(
    engine: AsyncEngine,
) -> None:
    for qty, region in ((40, "CA"), (40, "NY"), (21, "TX")):
        await stock(engine, sku_id="sku_hot", warehouse_id=await warehouse(engine, region=region), qty=qty)
    regions = ["CA", "NY", "TX", "WA"]
    results = await asyncio.gather(
        *(
            try_reserve(
                engine, f"chk_{n}", [("sku_hot", 2)], destination_country="US", destination_region=regions[n % 4]
            )
            for n in range(200)
        )
    )
    assert sum(results) == 50
    assert await totals(engine) == (101, 100, 0)
    assert await invariants(engine) == []


async def test_a_reserve_retried_concurrently_for_one_holder_holds_once(engine: AsyncEngine) -> None:
    near, far = await warehouse(engine, region="CA", priority=1), await warehouse(engine, region="NY", priority=2)
    await stock(engine, sku_id="sku_a", warehouse_id=near, qty=2)
    await stock(engine, sku_id="sku_a", warehouse_id=far, qty=10)

    async def attempt() -> list[str]:
        async with unit_of_work(engine) as tx:
            held = await reserve_stock(
                tx,
                lines=[("sku_a", 2)],
                holder="chk_retried",
                ttl_seconds=900,
                now=NOW,
                destination_country="US",
                destination_region="CA",
            )
        return [r.id for r in held]

    answers = await asyncio.gather(*(attempt() for _ in range(12)))
    assert len({tuple(a) for a in answers}) == 1
    assert await totals(engine) == (12, 2, 0)
    assert await invariants(engine) == []


async def test_random_reserve_release_commit_extend_and_expiry_from_24_connections_keep_the_invariants(
    engine: AsyncEngine,
) -> None:
    warehouses = [await warehouse(engine, region=r, priority=p) for r, p in (("CA", 10), ("NY", 20), ("TX", 30))]
    skus = [f"sku_{n}" for n in range(6)]
    initial = 0
    for sku in skus:
        for wh in warehouses:
            await stock(engine, sku_id=sku, warehouse_id=wh, qty=8)
            initial += 8
    clock = FrozenClock(NOW)
    metrics = SweeperMetrics(CollectorRegistry())
    outcomes: Counter[str] = Counter()
    received = 0

    async def shopper(worker: int) -> None:
        nonlocal received
        rng = random.Random(worker)
        for step in range(40):
            holder = f"chk_{worker}_{step}"
            lines = [(rng.choice(skus), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            if not await try_reserve_at(holder, lines, rng):
                outcomes["out_of_stock"] += 1
                continue
            outcomes["reserved"] += 1
            action = rng.choice(["commit", "release", "extend_then_commit", "abandon"])
            try:
                async with unit_of_work(engine) as tx:
                    if action == "commit":
                        await commit_reservations(tx, holder=holder, now=clock.now())
                    elif action == "release":
                        await release_reservations(tx, holder=holder, reason="cancelled", now=clock.now())
                    elif action == "extend_then_commit":
                        await extend_reservations(tx, holder=holder, ttl_seconds=5, now=clock.now())
                        await commit_reservations(tx, holder=holder, now=clock.now())
                outcomes[action] += 1
            except (ReservationsReleased, NoReservations):
                outcomes["expired_first"] += 1
            if rng.random() < 0.2:
                clock.advance(timedelta(seconds=1))
                await release_expired_reservations(engine, clock, batch_size=20, metrics=metrics)
            if rng.random() < 0.1:
                async with unit_of_work(engine) as tx:
                    await receive_stock(
                        tx,
                        sku_id=rng.choice(skus),
                        warehouse_id=rng.choice(warehouses),
                        qty=2,
                        reference=None,
                        actor="test",
                        now=clock.now(),
                    )
                received += 2

    async def try_reserve_at(holder: str, lines: list[tuple[str, int]], rng: random.Random) -> bool:
        try:
            async with unit_of_work(engine) as tx:
                await reserve_stock(
                    tx,
                    lines=lines,
                    holder=holder,
                    ttl_seconds=rng.randint(1, 3),
                    now=clock.now(),
                    destination_country="US",
                    destination_region=rng.choice(["CA", "NY", "TX", "FL"]),
                )
        except OutOfStock:
            return False
        return True

    await asyncio.gather(*(shopper(n) for n in range(24)))
    assert outcomes["reserved"] > 50 and outcomes["commit"] > 0 and outcomes["release"] > 0  # the mix really ran
    on_hand, reserved, broken = await totals(engine)
    assert broken == 0
    assert await invariants(engine) == []
    clock.advance(timedelta(minutes=1))
    await release_expired_reservations(engine, clock, batch_size=50, metrics=metrics)
    on_hand, reserved, broken = await totals(engine)
    async with engine.connect() as conn:
        sold = (
            await conn.execute(text("SELECT coalesce(sum(qty), 0) FROM reservations WHERE status = 'committed'"))
        ).scalar_one()
    assert reserved == 0 and broken == 0
    assert on_hand == initial + received - sold
    assert await invariants(engine) == []


async def test_release_and_commit_racing_for_the_same_holder_never_both_happen(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=100)
    await stock(engine, sku_id="sku_b", warehouse_id=wh, qty=100)
    holders = [f"chk_{n}" for n in range(40)]
    for holder in holders:
        async with unit_of_work(engine) as tx:
            await reserve_stock(tx, lines=[("sku_a", 1), ("sku_b", 2)], holder=holder, ttl_seconds=60, now=NOW)
    after_expiry = FrozenClock(NOW + timedelta(seconds=61))
    metrics = SweeperMetrics(CollectorRegistry())

    async def commit(holder: str) -> None:
        try:
            async with unit_of_work(engine) as tx:
                await commit_reservations(tx, holder=holder, now=after_expiry.now())
        except ReservationsReleased:
            pass

    async def release(holder: str) -> None:
        async with unit_of_work(engine) as tx:
            await release_reservations(tx, holder=holder, reason="payment failed", now=after_expiry.now())

    async def sweep() -> None:
        await release_expired_reservations(engine, after_expiry, batch_size=7, metrics=metrics)

    tasks = [commit(h) for h in holders] + [release(h) for h in holders] + [sweep() for _ in range(4)]
    random.Random(7).shuffle(tasks)
    await asyncio.gather(*tasks)

    async with engine.connect() as conn:
        settlements = (
            await conn.execute(
                text(
                    "SELECT r.id, r.status, count(l.id) AS moves FROM reservations r "
                    "LEFT JOIN inventory_ledger l ON l.reference = r.id AND l.kind IN ('release', 'commit') "
                    "GROUP BY r.id, r.status"
                )
            )
        ).all()
        per_holder = (
            await conn.execute(
                text("SELECT holder, array_agg(DISTINCT status) AS statuses FROM reservations GROUP BY holder")
            )
        ).all()
    assert len(settlements) == 80
    assert {s.status for s in settlements} == {"released", "committed"}  # the race really went both ways
    assert all(s.moves == 1 and s.status in ("released", "committed") for s in settlements)
    # A commit is all-or-nothing per holder, so no holder ends with one line sold and the other released.
    assert all(row.statuses in (["committed"], ["released"]) for row in per_holder)
    assert await invariants(engine) == []
