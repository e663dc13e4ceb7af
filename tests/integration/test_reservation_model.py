"""A Hypothesis state machine runs the inventory service against a simple in-memory model of stock.

The model knows only totals: units on hand and reserved per (SKU, warehouse), and each holder's
reservations. It predicts whether every call succeeds and what the stock is afterwards; the service must
agree after every step, and the invariant check must stay empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import psycopg
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from prometheus_client import CollectorRegistry
from sqlalchemy import text

from mercato.db.engine import make_engine
from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import (
    NoReservations,
    ReservationsReleased,
    available_by_sku,
    check_invariants,
    commit_reservations,
    extend_reservations,
    release_reservations,
    reserve_stock,
)
from mercato.inventory.domain import LedgerKind
from mercato.inventory.jobs import SweeperMetrics, release_expired_reservations
from mercato.inventory.services.stock_levels import move_on_hand, set_on_hand
from mercato.kernel.clock import FrozenClock
from mercato.kernel.errors import Conflict, OutOfStock
from mercato.schema import metadata
from tests.inventory_factories import insert_sku, warehouse

T = TypeVar("T")
MERCHANT = "mer_model"
REGIONS = ("CA", "NY", "TX")


@dataclass
class Held:
    sku_id: str
    warehouse_id: str
    qty: int
    expires_at: datetime
    status: str = "active"


def make_machine(database_url: str) -> type[RuleBasedStateMachine]:
    class InventoryModel(RuleBasedStateMachine):
        holders = Bundle("holders")

        def __init__(self) -> None:
            super().__init__()
            with psycopg.connect(database_url, autocommit=True) as db:
                db.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in metadata.sorted_tables) + " CASCADE")
                self.skus = [insert_sku(db, merchant_id=MERCHANT) for _ in range(3)]
            self.loop = asyncio.new_event_loop()
            self.engine = make_engine(database_url, pool_size=2, max_overflow=0)
            self.warehouses = [self.run(warehouse(self.engine, merchant_id=MERCHANT, region=r)) for r in REGIONS]
            self.clock = FrozenClock(datetime(2026, 3, 1, tzinfo=UTC))
            self.metrics = SweeperMetrics(CollectorRegistry())
            self.on_hand = {(s, w): 0 for s in self.skus for w in self.warehouses}
            self.reserved = dict.fromkeys(self.on_hand, 0)
            self.held: dict[str, list[Held]] = {}
            self.count = 0

        def run(self, work: Awaitable[T]) -> T:
            return self.loop.run_until_complete(work)

        def teardown(self) -> None:
            self.run(self.engine.dispose())
            self.loop.close()

        def available(self, sku_id: str) -> int:
            return sum(self.on_hand[(sku_id, w)] - self.reserved[(sku_id, w)] for w in self.warehouses)

        @rule(sku=st.integers(0, 2), wh=st.integers(0, 2), delta=st.integers(-6, 8).filter(bool))
        def adjust(self, sku: int, wh: int, delta: int) -> None:
            key = (self.skus[sku], self.warehouses[wh])
            allowed = self.on_hand[key] + delta >= self.reserved[key]

            async def call() -> bool:
                try:
                    async with unit_of_work(self.engine) as tx:
                        await move_on_hand(
                            tx,
                            kind=LedgerKind.ADJUST,
                            sku_id=key[0],
                            warehouse_id=key[1],
                            delta=delta,
                            reason="model",
                            reference=None,
                            actor="model",
                            now=self.clock.now(),
                        )
                except Conflict:
                    return False
                return True

            assert self.run(call()) == allowed
            if allowed:
                self.on_hand[key] += delta

        @rule(sku=st.integers(0, 2), wh=st.integers(0, 2), on_hand=st.integers(0, 12))
        def count_stock(self, sku: int, wh: int, on_hand: int) -> None:
            key = (self.skus[sku], self.warehouses[wh])
            allowed = on_hand >= self.reserved[key]

            async def call() -> bool:
                try:
                    async with unit_of_work(self.engine) as tx:
                        await set_on_hand(
                            tx,
                            merchant_id=MERCHANT,
                            sku_id=key[0],
                            warehouse_id=key[1],
                            on_hand=on_hand,
                            actor="model",
                            now=self.clock.now(),
                        )
                except Conflict:
                    return False
                return True

            assert self.run(call()) == allowed
            if allowed:
                self.on_hand[key] = on_hand

        @rule(
            target=holders,
            lines=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=3),
            region=st.sampled_from((*REGIONS, "WA")),
            ttl=st.integers(1, 30),
        )
        def reserve(self, lines: list[tuple[int, int]], region: str, ttl: int) -> str:
            self.count += 1
            holder = f"chk_{self.count}"
            wanted: dict[str, int] = {}
            for sku, qty in lines:
                wanted[self.skus[sku]] = wanted.get(self.skus[sku], 0) + qty
            possible = all(self.available(sku) >= qty for sku, qty in wanted.items())

            async def call() -> list[Held] | None:
                try:
                    async with unit_of_work(self.engine) as tx:
                        got = await reserve_stock(
                            tx,
                            lines=[(self.skus[s], q) for s, q in lines],
                            holder=holder,
                            ttl_seconds=ttl,
                            now=self.clock.now(),
                            destination_country="US",
                            destination_region=region,
                        )
                except OutOfStock:
                    return None
                return [Held(r.sku_id, r.warehouse_id, r.qty, r.expires_at) for r in got]

            got = self.run(call())
            assert (got is not None) == possible
            self.held[holder] = got or []
            for r in got or []:
                key = (r.sku_id, r.warehouse_id)
                assert r.qty <= self.on_hand[key] - self.reserved[key], "reserved more than the warehouse had"
                self.reserved[key] += r.qty
            if got is not None:
                per_sku: dict[str, int] = {}
                for r in got:
                    per_sku[r.sku_id] = per_sku.get(r.sku_id, 0) + r.qty
                assert per_sku == wanted
            return holder

        @rule(holder=holders)
        def release(self, holder: str) -> None:
            async def call() -> int:
                async with unit_of_work(self.engine) as tx:
                    return len(await release_reservations(tx, holder=holder, reason="model", now=self.clock.now()))

            live = [r for r in self.held[holder] if r.status == "active"]
            assert self.run(call()) == len(live)
            for r in live:
                r.status = "released"
                self.reserved[(r.sku_id, r.warehouse_id)] -= r.qty

        @rule(holder=holders)
        def commit(self, holder: str) -> None:
            held = self.held[holder]

            async def call() -> str:
                try:
                    async with unit_of_work(self.engine) as tx:
                        await commit_reservations(tx, holder=holder, now=self.clock.now())
                except ReservationsReleased:
                    return "released"
                except NoReservations:
                    return "none"
                return "committed"

            outcome = self.run(call())
            if not held:
                assert outcome == "none"
            elif any(r.status == "released" for r in held):
                assert outcome == "released"
            else:
                assert outcome == "committed"
                for r in held:
                    if r.status == "active":
                        r.status = "committed"
                        self.on_hand[(r.sku_id, r.warehouse_id)] -= r.qty
                        self.reserved[(r.sku_id, r.warehouse_id)] -= r.qty

        @rule(holder=holders, ttl=st.integers(1, 30))
        def extend(self, holder: str, ttl: int) -> None:
            held = self.held[holder]
            renewable = any(r.status == "active" for r in held) and not any(r.status == "released" for r in held)

            async def call() -> bool:
                try:
                    async with unit_of_work(self.engine) as tx:
                        await extend_reservations(tx, holder=holder, ttl_seconds=ttl, now=self.clock.now())
                except (ReservationsReleased, NoReservations):
                    return False
                return True

            assert self.run(call()) == renewable
            if renewable:
                for r in held:
                    if r.status == "active":
                        r.expires_at = self.clock.now() + timedelta(seconds=ttl)

        @rule(seconds=st.integers(1, 40))
        def time_passes_and_the_sweeper_runs(self, seconds: int) -> None:
            self.clock.advance(timedelta(seconds=seconds))
            released = self.run(
                release_expired_reservations(self.engine, self.clock, batch_size=4, metrics=self.metrics)
            )
            expired = [
                r
                for held in self.held.values()
                for r in held
                if r.status == "active" and r.expires_at <= self.clock.now()
            ]
            assert released == len(expired)
            for r in expired:
                r.status = "released"
                self.reserved[(r.sku_id, r.warehouse_id)] -= r.qty

        @invariant()
        def stock_matches_the_model(self) -> None:
            async def read() -> tuple[dict[tuple[str, str], tuple[int, int]], list[str], dict[str, int]]:
                async with self.engine.connect() as conn:
                    rows = await conn.execute(text("SELECT sku_id, warehouse_id, on_hand, reserved FROM inventory"))
                    stored = {(r.sku_id, r.warehouse_id): (r.on_hand, r.reserved) for r in rows}
                    return stored, await check_invariants(conn), await available_by_sku(conn, self.skus)

            stored, violations, available = self.run(read())
            assert violations == []
            for key, on_hand in self.on_hand.items():
                assert stored.get(key, (0, 0)) == (on_hand, self.reserved[key])
            assert available == {sku: self.available(sku) for sku in self.skus}

    return InventoryModel


def test_inventory_service_agrees_with_an_in_memory_model(database_url: str) -> None:
    machine = make_machine(database_url)
    machine.TestCase.settings = settings(
        max_examples=100,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine.TestCase().runTest()
