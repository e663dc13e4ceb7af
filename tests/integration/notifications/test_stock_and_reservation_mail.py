"""The stock and reservation events are emitted by the real inventory and checkout code, and reach the
customer's mailbox (a real SMTP server) through the worker's pipeline: 'notify me' mail when a sold-out
SKU comes back (a merchant's restock, a released reservation, an expired one), and one reminder when a
checkout's held stock is about to expire, however many workers run the reminder job."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.reminders import remind_expiring_checkouts
from mercato.checkout.saga import SagaRunner
from mercato.checkout.service import checkout_steps
from mercato.db.engine import make_engine
from mercato.db.unit_of_work import unit_of_work
from mercato.events import validate_payload
from mercato.inventory import release_reservations, reserve_stock
from mercato.inventory.jobs import SweeperMetrics, release_expired_reservations
from mercato.kernel.clock import SystemClock
from mercato.kernel.ids import new_id
from mercato.payments import ProviderRegistry
from mercato.pricing import TaxRateTable, TaxService
from mercato.shipping import ShippingRateTable
from tests import factories
from tests.checkout_factories import Shop, checkout_body, fill_cart, install_rates, open_shop
from tests.integration.notifications.conftest import SmtpServer, bodies
from tests.integration.notifications.test_customer_messages import Pipeline


async def _stock_events(engine: AsyncEngine, sku_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The SKU's stock.* events in outbox order, each checked against the catalogue."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT event_type, payload FROM outbox WHERE aggregate = 'stock' AND aggregate_id = :sku ORDER BY seq"
            ),
            {"sku": sku_id},
        )
        events = [(r.event_type, r.payload) for r in rows]
    for event_type, payload in events:
        assert validate_payload(event_type, payload) == [], (event_type, payload)
    return events


async def _sold_out_shop(api: httpx.Client, database_url: str, *, stock: int) -> tuple[Shop, str]:
    shop = await asyncio.to_thread(open_shop, api, database_url, items={"T": (1500, stock)})
    return shop, shop.skus["T"]["id"]


async def _subscribe(aapi: httpx.AsyncClient, who: factories.Account, sku_id: str) -> None:
    response = await aapi.post(f"/v1/skus/{sku_id}/notify-me", headers=who.headers)
    assert response.status_code == 201, response.text


def _only_mail(smtp_server: SmtpServer, who: factories.Account) -> tuple[str, str]:
    [mail] = smtp_server.inbox.to(who.email)
    assert mail["Subject"] == "Product T is back in stock"
    return bodies(mail)


async def test_a_merchants_restock_of_a_sold_out_sku_mails_the_waiting_customer(
    aapi: httpx.AsyncClient,
    api: httpx.Client,
    *,
    engine: AsyncEngine,
    database_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    shop, sku_id = await _sold_out_shop(api, database_url, stock=0)
    casey = factories.customer(api)
    await _subscribe(aapi, casey, sku_id)
    pipeline = Pipeline(engine, smtp_server, tmp_path)
    assert await pipeline.run() == 0  # nothing is back yet

    response = await aapi.put(
        f"/v1/merchant/skus/{sku_id}/stock/{shop.warehouse_id}", json={"on_hand": 4}, headers=shop.staff.headers
    )
    assert response.status_code == 200, response.text
    assert await pipeline.run() == 1

    text_body, _ = _only_mail(smtp_server, casey)
    assert "4 available right now" in text_body
    events = await _stock_events(engine, sku_id)
    assert [t for t, _ in events if t != "stock.changed"] == ["stock.back_in_stock"]
    changed = [p for t, p in events if t == "stock.changed"]
    assert changed[-1]["on_hand"] == 4 and changed[-1]["merchant_id"] == shop.staff.merchant_id


async def test_a_released_reservation_of_the_last_unit_mails_the_waiting_customer(
    aapi: httpx.AsyncClient,
    api: httpx.Client,
    *,
    engine: AsyncEngine,
    database_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    _, sku_id = await _sold_out_shop(api, database_url, stock=1)
    holder, now = new_id("checkout"), SystemClock().now()
    async with unit_of_work(engine) as tx:
        await reserve_stock(tx, lines=[(sku_id, 1)], holder=holder, ttl_seconds=900, now=now)
    pipeline = Pipeline(engine, smtp_server, tmp_path)
    assert await pipeline.run() == 0  # the shop's first stock and the sell-out: nobody waits yet
    robin = factories.customer(api)
    await _subscribe(aapi, robin, sku_id)
    assert await pipeline.run() == 0

    async with unit_of_work(engine) as tx:
        await release_reservations(tx, holder=holder, reason="checkout failed", now=now)
    assert await pipeline.run() == 1

    assert "1 available right now" in _only_mail(smtp_server, robin)[0]
    events = await _stock_events(engine, sku_id)
    # stocked by the shop, sold out by the hold, back by the release
    expected = ["stock.back_in_stock", "stock.out_of_stock", "stock.back_in_stock"]
    assert [t for t, _ in events if t != "stock.changed"] == expected


async def test_an_expired_reservation_swept_by_the_worker_mails_the_waiting_customer(
    aapi: httpx.AsyncClient,
    api: httpx.Client,
    *,
    engine: AsyncEngine,
    database_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    _, sku_id = await _sold_out_shop(api, database_url, stock=2)
    pipeline = Pipeline(engine, smtp_server, tmp_path)
    async with unit_of_work(engine) as tx:
        await reserve_stock(
            tx, lines=[(sku_id, 2)], holder=new_id("checkout"), ttl_seconds=60, now=pipeline.clock.now()
        )
    sam = factories.customer(api)
    await _subscribe(aapi, sam, sku_id)

    pipeline.clock.advance(timedelta(seconds=61))
    swept = await release_expired_reservations(
        engine, pipeline.clock, batch_size=10, metrics=SweeperMetrics(CollectorRegistry())
    )
    assert swept == 1
    assert await pipeline.run() == 1

    assert "2 available right now" in _only_mail(smtp_server, sam)[0]
    async with engine.connect() as conn:
        expired = (
            await conn.execute(text("SELECT payload FROM outbox WHERE event_type = 'reservation.expired'"))
        ).scalar_one()
    assert expired["sku_id"] == sku_id and expired["qty"] == 2
    assert validate_payload("reservation.expired", expired) == []


async def test_a_checkout_whose_hold_nears_expiry_gets_one_reminder_even_with_two_workers(
    api: httpx.Client,
    *,
    engine: AsyncEngine,
    database_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    _, sku_id = await _sold_out_shop(api, database_url, stock=5)
    await asyncio.to_thread(install_rates, database_url)  # prepare prices the order
    buyer = factories.customer(api)
    cart_id = await asyncio.to_thread(fill_cart, api, buyer, [(sku_id, 2)])
    pipeline = Pipeline(engine, smtp_server, tmp_path)
    deps = CheckoutDeps(
        engine=engine,
        clock=pipeline.clock,
        psp=ProviderRegistry([]),
        tax=TaxService(TaxRateTable(engine)),
        shipping=ShippingRateTable(engine),
        reservation_ttl=timedelta(minutes=15),
    )
    # The checkout is prepared (validated, holding its stock, priced) and still in progress: the customer is
    # at payment. `prepare` is the first step; authorization is the second.
    runner = SagaRunner(engine=engine, steps=checkout_steps(deps)[:1], clock=pipeline.clock, lease=deps.lease)
    ctx = await runner.start_or_resume(
        user_id=buyer.user_id,
        idempotency_key=new_id("checkout"),
        cart_id=cart_id,
        state={"request": checkout_body(cart_id)},
    )
    await runner.run(ctx)
    lead = timedelta(minutes=2)
    assert await remind_expiring_checkouts(engine, pipeline.clock, lead=lead) == 0  # 15 minutes left

    pipeline.clock.advance(timedelta(minutes=13, seconds=30))
    second = make_engine(database_url, pool_size=2, max_overflow=0)
    try:
        runs = await asyncio.gather(
            *(remind_expiring_checkouts(e, pipeline.clock, lead=lead) for e in (engine, second, engine, second))
        )
    finally:
        await second.dispose()
    assert sorted(runs) == [0, 0, 0, 1]
    assert await remind_expiring_checkouts(engine, pipeline.clock, lead=lead) == 0
    assert await pipeline.run() == 1

    [mail] = smtp_server.inbox.to(buyer.email)
    assert mail["Subject"].startswith("Your items are held until ")
    async with engine.connect() as conn:
        [payload] = (
            await conn.execute(text("SELECT payload FROM outbox WHERE event_type = 'reservation.expiring'"))
        ).scalars()
    assert validate_payload("reservation.expiring", payload) == []
    assert (payload["checkout_id"], payload["user_id"], payload["cart_id"]) == (ctx.session_id, buyer.user_id, cart_id)
    assert payload["expires_at"] in mail["Subject"]
