"""The worker runs the reservation sweeper and the guest-cart cleanup on their configured intervals, with
metrics on the registry it is given."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import available_by_sku, reserve_stock
from mercato.kernel.clock import FrozenClock
from mercato.worker import default_jobs, run_worker
from tests.inventory_factories import stock, warehouse


def test_worker_schedules_the_sweeper_and_the_cart_cleanup_from_settings() -> None:
    settings = Settings(reservation_sweep_interval_seconds=2.5, cart_cleanup_interval_seconds=600)
    jobs = {job.name: job for job in default_jobs(settings)}
    assert jobs["release_expired_reservations"].interval_seconds == 2.5
    assert jobs["purge_expired_guest_carts"].interval_seconds == 600
    default_jobs(settings)  # a second set of jobs registers its metrics on its own registry: no collision


async def test_the_scheduled_sweeper_releases_expired_holds_and_reports_them(engine: AsyncEngine) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=3)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    async with unit_of_work(engine) as tx:
        await reserve_stock(tx, lines=[("sku_a", 2)], holder="chk_1", ttl_seconds=900, now=start)
    registry = CollectorRegistry()
    [sweeper] = [j for j in default_jobs(Settings(), registry) if j.name == "release_expired_reservations"]
    assert await sweeper.run(engine, FrozenClock(start + timedelta(minutes=15))) == 1
    assert registry.get_sample_value("mercato_reservations_expired_total") == 1
    assert registry.get_sample_value("mercato_reservation_age_seconds_bucket", {"le": "900.0"}) == 1


async def test_mercato_worker_sweeps_and_serves_its_metrics(engine: AsyncEngine, database_url: str) -> None:
    wh = await warehouse(engine)
    await stock(engine, sku_id="sku_a", warehouse_id=wh, qty=1)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    async with unit_of_work(engine) as tx:
        await reserve_stock(tx, lines=[("sku_a", 1)], holder="chk_1", ttl_seconds=60, now=long_ago)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(worker_metrics_port=port, log_level="WARNING")
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, database_url, stop=stop))
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    body = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
                except httpx.TransportError:
                    body = ""
                if "mercato_reservations_expired_total 1.0" in body:
                    break
                await asyncio.sleep(0.05)
        assert "mercato_reservations_expired_total 1.0" in body
        assert "mercato_reservation_age_seconds_bucket" in body
    finally:
        stop.set()
        await worker
    async with engine.connect() as conn:
        assert await available_by_sku(conn, ["sku_a"]) == {"sku_a": 1}
