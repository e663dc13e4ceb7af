"""stock.out_of_stock / stock.back_in_stock under contention: many real connections reserve, release,
expire and restock one SKU held in two warehouses at once. Whatever the interleaving, the SKU's
crossing events (in outbox order) alternate, and the last one tells the truth about the final stock."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.events import validate_payload
from mercato.inventory import available_by_sku, check_invariants, release_reservations, reserve_stock
from mercato.inventory.domain import LedgerKind
from mercato.inventory.jobs import SweeperMetrics, release_expired_reservations
from mercato.inventory.services.stock_levels import move_on_hand
from mercato.kernel.clock import FrozenClock
from mercato.kernel.errors import Conflict, OutOfStock
from mercato.kernel.ids import new_id
from tests.inventory_factories import Db, insert_sku, stock, warehouse

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MERCHANT = "mer_crossings"


async def _crossings(engine: AsyncEngine, sku_id: str) -> list[str]:
    async with engine.connect() as conn:
        rows = list(
            await conn.execute(
                text(
                    "SELECT event_type, payload FROM outbox WHERE aggregate = 'stock' AND aggregate_id = :sku"
                    " AND event_type IN ('stock.out_of_stock', 'stock.back_in_stock') ORDER BY seq"
                ),
                {"sku": sku_id},
            )
        )
    for row in rows:
        assert validate_payload(row.event_type, row.payload) == []
        assert row.payload["merchant_id"] == MERCHANT
        assert (row.payload["available"] == 0) == (row.event_type == "stock.out_of_stock")
    return [row.event_type for row in rows]


async def _reserve_then_end(engine: AsyncEngine, sku_id: str, rng: random.Random) -> None:
    holder = new_id("checkout")
    ttl = rng.choice((1, 900))  # some holds are left to the sweeper
    try:
        async with unit_of_work(engine) as tx:
            await reserve_stock(tx, lines=[(sku_id, rng.randint(1, 2))], holder=holder, ttl_seconds=ttl, now=NOW)
    except OutOfStock:
        return
    await asyncio.sleep(rng.random() / 50)
    if ttl == 900:
        async with unit_of_work(engine) as tx:
            await release_reservations(tx, holder=holder, reason="checkout failed", now=NOW)


async def _restock(engine: AsyncEngine, sku_id: str, warehouse_id: str, rng: random.Random) -> None:
    try:
        async with unit_of_work(engine) as tx:
            await move_on_hand(
                tx,
                kind=LedgerKind.ADJUST,
                sku_id=sku_id,
                warehouse_id=warehouse_id,
                delta=rng.choice((-1, 1, 1)),
                reason="count",
                reference=None,
                actor="test",
                now=NOW,
            )
    except Conflict:
        pass  # would go below what is reserved: refused, nothing moved


async def _sweep(engine: AsyncEngine) -> None:
    clock = FrozenClock(NOW + timedelta(seconds=2))
    await release_expired_reservations(engine, clock, batch_size=5, metrics=SweeperMetrics(CollectorRegistry()))


async def test_crossing_events_alternate_and_end_on_the_truth_under_contention(engine: AsyncEngine, db: Db) -> None:
    sku_id = insert_sku(db, merchant_id=MERCHANT)
    near = await warehouse(engine, merchant_id=MERCHANT, region="CA")
    far = await warehouse(engine, merchant_id=MERCHANT, region="NY")
    await stock(engine, sku_id=sku_id, warehouse_id=near, qty=2)
    await stock(engine, sku_id=sku_id, warehouse_id=far, qty=1)
    rng = random.Random(7)

    for _ in range(4):  # rounds, so the SKU sells out and comes back several times
        work = [_reserve_then_end(engine, sku_id, rng) for _ in range(24)]
        work += [_restock(engine, sku_id, rng.choice((near, far)), rng) for _ in range(6)]
        work += [_sweep(engine) for _ in range(3)]
        rng.shuffle(work)
        await asyncio.gather(*work)
    await _sweep(engine)

    events = await _crossings(engine, sku_id)
    assert events[0] == "stock.back_in_stock"  # first stocked from nothing
    assert "stock.out_of_stock" in events  # the contention did sell it out
    for previous, current in itertools.pairwise(events):
        assert previous != current, events
    async with engine.connect() as conn:
        available = (await available_by_sku(conn, [sku_id]))[sku_id]
        assert await check_invariants(conn) == []
    assert (events[-1] == "stock.out_of_stock") == (available == 0), (events[-1], available)
