"""Reservations through the inventory service on a real PostgreSQL: hold, release, commit, extend, expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import (
    NoReservations,
    Reservation,
    ReservationsReleased,
    ReservationStatus,
    available_by_sku,
    check_invariants,
    commit_reservations,
    extend_reservations,
    holder_reservations,
    release_reservations,
    reserve_stock,
    return_stock,
)
from mercato.inventory.jobs import SweeperMetrics, release_expired_reservations
from mercato.kernel.clock import FrozenClock
from mercato.kernel.errors import Conflict, OutOfStock, ValidationFailed
from tests.inventory_factories import stock, warehouse

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TTL = 900


async def reserve(engine: AsyncEngine, holder: str, lines: list[tuple[str, int]], **kw: object) -> list[Reservation]:
    async with unit_of_work(engine) as tx:
        return await reserve_stock(tx, lines=lines, holder=holder, ttl_seconds=TTL, now=NOW, **kw)  # type: ignore[arg-type]


async def stock_row(engine: AsyncEngine, sku_id: str, warehouse_id: str) -> tuple[int, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT on_hand, reserved FROM inventory WHERE sku_id = :s AND warehouse_id = :w"),
                {"s": sku_id, "w": warehouse_id},
            )
        ).one()
    return row.on_hand, row.reserved


async def invariants(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return await check_invariants(conn)


async def available(engine: AsyncEngine, *sku_ids: str) -> dict[str, int]:
    async with engine.connect() as conn:
        return await available_by_sku(conn, list(sku_ids))


async def test_reservation_holds_units_until_ttl_and_writes_the_ledger(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=10)
    [held] = await reserve(engine, "chk_1", [("sku_a", 3)])
    assert held.status is ReservationStatus.ACTIVE and held.qty == 3 and held.warehouse_id == wh
    assert held.expires_at == NOW + timedelta(seconds=TTL) and held.id.startswith("res_")
    assert await stock_row(engine, "sku_a", wh) == (10, 3)
    assert await available(engine, "sku_a", "sku_none") == {"sku_a": 7, "sku_none": 0}
    async with engine.connect() as conn:
        kinds = (
            await conn.execute(text("SELECT kind, reserved_delta, reference FROM inventory_ledger ORDER BY id"))
        ).all()
    assert [tuple(k) for k in kinds] == [("receive", 0, None), ("reserve", 3, held.id)]
    assert await invariants(engine) == []


async def test_reservation_is_all_or_nothing_across_lines(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=5)
    await stock(engine, sku_id="sku_b", warehouse_id=wh, qty=1)
    with pytest.raises(OutOfStock) as refused:
        await reserve(engine, "chk_1", [("sku_a", 2), ("sku_b", 2), ("sku_c", 1)])
    assert refused.value.extra["skus"] == ["sku_b", "sku_c"]
    assert await stock_row(engine, "sku_a", wh) == (5, 0)
    async with engine.connect() as conn:
        assert await holder_reservations(conn, holder="chk_1") == []
    assert await invariants(engine) == []


async def test_second_reservation_of_last_unit_is_refused(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=1)
    await reserve(engine, "chk_1", [("sku_a", 1)])
    with pytest.raises(OutOfStock):
        await reserve(engine, "chk_2", [("sku_a", 1)])


async def test_line_is_taken_near_the_destination_and_split_when_one_warehouse_is_short(engine: AsyncEngine) -> None:
    west = await warehouse(engine, region="CA", priority=50)
    east = await warehouse(engine, region="NY", priority=10)
    await stock(engine, sku_id="sku_a", warehouse_id=west, qty=3)
    await stock(engine, sku_id="sku_a", warehouse_id=east, qty=3)
    [near] = await reserve(engine, "chk_1", [("sku_a", 2)], destination_country="US", destination_region="CA")
    assert near.warehouse_id == west
    [by_priority] = await reserve(engine, "chk_2", [("sku_a", 1)])
    assert by_priority.warehouse_id == east
    split = await reserve(engine, "chk_3", [("sku_a", 3)], destination_country="US", destination_region="CA")
    assert sorted((r.warehouse_id, r.qty) for r in split) == sorted([(west, 1), (east, 2)])
    assert await available(engine, "sku_a") == {"sku_a": 0}
    assert await invariants(engine) == []


async def test_reserving_again_for_the_same_holder_replays_instead_of_holding_twice(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=10)
    first = await reserve(engine, "chk_1", [("sku_a", 2)])
    again = await reserve(engine, "chk_1", [("sku_a", 1), ("sku_a", 1)])
    assert again == first
    assert await stock_row(engine, "sku_a", wh) == (10, 2)
    with pytest.raises(Conflict):
        await reserve(engine, "chk_1", [("sku_a", 3)])


async def test_a_replay_after_the_last_units_went_to_the_holder_itself_is_not_out_of_stock(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=2)
    first = await reserve(engine, "chk_1", [("sku_a", 2)])
    assert await reserve(engine, "chk_1", [("sku_a", 2)]) == first
    async with unit_of_work(engine) as tx:
        await release_reservations(tx, holder="chk_1", reason="cancelled", now=NOW)
    with pytest.raises(Conflict):  # a holder reserves once; a new attempt needs a new holder
        await reserve(engine, "chk_1", [("sku_a", 2)])


async def test_a_refused_reservation_leaves_the_callers_transaction_usable(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=1)
    async with unit_of_work(engine) as tx:
        with pytest.raises(OutOfStock):
            await reserve_stock(tx, lines=[("sku_a", 2)], holder="chk_1", ttl_seconds=TTL, now=NOW)
        [held] = await reserve_stock(tx, lines=[("sku_a", 1)], holder="chk_1", ttl_seconds=TTL, now=NOW)
    assert held.qty == 1
    assert await invariants(engine) == []


async def test_reserve_refuses_empty_or_non_positive_lines(engine: AsyncEngine) -> None:
    for lines in ([], [("sku_a", 0)], [("sku_a", -1)]):
        with pytest.raises(ValidationFailed):
            await reserve(engine, "chk_1", lines)


async def test_release_returns_units_and_is_idempotent(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=4)
    held = await reserve(engine, "chk_1", [("sku_a", 4)])
    async with unit_of_work(engine) as tx:
        released = await release_reservations(tx, holder="chk_1", reason="checkout cancelled", now=NOW)
    assert [r.id for r in released] == [r.id for r in held]
    assert all(r.status is ReservationStatus.RELEASED for r in released)
    async with unit_of_work(engine) as tx:
        assert await release_reservations(tx, holder="chk_1", reason="checkout cancelled", now=NOW) == []
        assert await release_reservations(tx, ids=[held[0].id], reason="again", now=NOW) == []
    assert await stock_row(engine, "sku_a", wh) == (4, 0)
    assert await invariants(engine) == []


async def test_commit_takes_units_off_hand_and_is_idempotent(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=5)
    await reserve(engine, "chk_1", [("sku_a", 2)])
    async with unit_of_work(engine) as tx:
        committed = await commit_reservations(tx, holder="chk_1", now=NOW)
    assert [r.status for r in committed] == [ReservationStatus.COMMITTED]
    assert await stock_row(engine, "sku_a", wh) == (3, 0)
    async with unit_of_work(engine) as tx:
        assert [r.id for r in await commit_reservations(tx, holder="chk_1", now=NOW)] == [r.id for r in committed]
        assert await release_reservations(tx, holder="chk_1", reason="too late", now=NOW) == []
    assert await stock_row(engine, "sku_a", wh) == (3, 0)
    assert await invariants(engine) == []


async def test_commit_after_release_commits_nothing(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=5)
    await stock(engine, sku_id="sku_b", warehouse_id=wh, qty=5)
    held = await reserve(engine, "chk_1", [("sku_a", 1), ("sku_b", 1)])
    [line_a] = [r for r in held if r.sku_id == "sku_a"]
    async with unit_of_work(engine) as tx:
        await release_reservations(tx, ids=[line_a.id], reason="expired", now=NOW)
    with pytest.raises(ReservationsReleased):
        async with unit_of_work(engine) as tx:
            await commit_reservations(tx, holder="chk_1", now=NOW)
    assert await stock_row(engine, "sku_a", wh) == (5, 0)
    assert await stock_row(engine, "sku_b", wh) == (5, 1)
    with pytest.raises(NoReservations):
        async with unit_of_work(engine) as tx:
            await commit_reservations(tx, holder="chk_unknown", now=NOW)


async def test_extend_renews_a_live_reservation_but_not_a_released_one(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=5)
    await reserve(engine, "chk_1", [("sku_a", 1)])
    later = NOW + timedelta(minutes=10)
    async with unit_of_work(engine) as tx:
        [renewed] = await extend_reservations(tx, holder="chk_1", ttl_seconds=600, now=later)
    assert renewed.expires_at == later + timedelta(seconds=600)
    async with unit_of_work(engine) as tx:
        await release_reservations(tx, holder="chk_1", reason="cancelled", now=later)
    with pytest.raises(ReservationsReleased):
        async with unit_of_work(engine) as tx:
            await extend_reservations(tx, holder="chk_1", ttl_seconds=600, now=later)


async def test_sweeper_releases_only_expired_reservations_and_counts_them(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=10)
    async with unit_of_work(engine) as tx:
        await reserve_stock(tx, lines=[("sku_a", 1)], holder="chk_short", ttl_seconds=60, now=NOW)
        await reserve_stock(tx, lines=[("sku_a", 2)], holder="chk_long", ttl_seconds=3600, now=NOW)
        await reserve_stock(tx, lines=[("sku_a", 3)], holder="chk_done", ttl_seconds=60, now=NOW)
        await commit_reservations(tx, holder="chk_done", now=NOW)
    clock = FrozenClock(NOW + timedelta(seconds=59))
    registry = CollectorRegistry()
    metrics = SweeperMetrics(registry)
    assert await release_expired_reservations(engine, clock, batch_size=10, metrics=metrics) == 0
    clock.advance(timedelta(seconds=1))
    assert await release_expired_reservations(engine, clock, batch_size=10, metrics=metrics) == 1
    assert await stock_row(engine, "sku_a", wh) == (7, 2)
    assert registry.get_sample_value("mercato_reservations_expired_total") == 1
    assert registry.get_sample_value("mercato_reservation_age_seconds_count") == 1
    assert registry.get_sample_value("mercato_reservation_age_seconds_sum") == 60
    async with engine.connect() as conn:
        [short] = await holder_reservations(conn, holder="chk_short")
        reason = (await conn.execute(text("SELECT reason FROM inventory_ledger WHERE kind = 'release'"))).scalar_one()
    assert short.status is ReservationStatus.RELEASED and reason == "expired"
    assert await invariants(engine) == []


async def test_sweeper_works_through_more_than_one_batch(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=25)
    async with unit_of_work(engine) as tx:
        for n in range(25):
            await reserve_stock(tx, lines=[("sku_a", 1)], holder=f"chk_{n}", ttl_seconds=1, now=NOW)
    clock = FrozenClock(NOW + timedelta(seconds=5))
    metrics = SweeperMetrics(CollectorRegistry())
    assert await release_expired_reservations(engine, clock, batch_size=10, metrics=metrics, max_batches=2) == 20
    assert await release_expired_reservations(engine, clock, batch_size=10, metrics=metrics) == 5
    assert await stock_row(engine, "sku_a", wh) == (25, 0)


async def test_returned_units_go_back_on_hand(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=2)
    await reserve(engine, "chk_1", [("sku_a", 2)])
    async with unit_of_work(engine) as tx:
        await commit_reservations(tx, holder="chk_1", now=NOW)
        level = await return_stock(
            tx, sku_id="sku_a", warehouse_id=wh, qty=1, reason="customer return", reference="ord_1", now=NOW
        )
    assert (level.on_hand, level.reserved, level.available) == (1, 0, 1)
    assert await invariants(engine) == []


async def test_invariant_check_reports_stock_edited_behind_the_ledgers_back(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=5)
    await reserve(engine, "chk_1", [("sku_a", 1)])
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE inventory SET on_hand = 9, reserved = 2"))
    [violation] = await invariants(engine)
    assert violation.startswith(f"sku_a@{wh}: on_hand=9 (ledger 5), reserved=2 (active reservations 1, ledger 1)")
