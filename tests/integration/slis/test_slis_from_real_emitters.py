"""The SLI figures move when the real code emits: a checkout through the PSP sandbox (declined, then
paid), and a reservation the worker's sweeper expires. No figure reads another context's tables."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.events import validate_payload
from mercato.events.slis import SliRecorder
from mercato.inventory import reserve_stock
from mercato.inventory.jobs import SweeperMetrics, release_expired_reservations
from mercato.kernel.clock import FrozenClock, SystemClock
from mercato.kernel.ids import new_id
from tests.checkout_factories import check_out, checkout_body, fill_cart, install_rates, new_buyer, open_shop
from tests.factories import Account
from tests.integration.notifications.pipeline import dispatch


def _slis(api: httpx.Client, staff: Account) -> dict[str, Any]:
    response = api.get("/v1/merchant/slis", params={"window": "1h"}, headers=staff.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _every_payload_conforms(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        rows = list(await conn.execute(text("SELECT event_type, payload FROM outbox ORDER BY seq")))
    for row in rows:
        assert validate_payload(row.event_type, row.payload) == [], (row.event_type, row.payload)
    return {row.event_type for row in rows}


async def test_a_decline_counts_an_authorization_failure_and_a_failed_checkout(
    shop_api: httpx.Client, database_url: str, engine: AsyncEngine
) -> None:
    install_rates(database_url)
    shop = await asyncio.to_thread(open_shop, shop_api, database_url, items={"A": (1000, 3)})
    buyer = new_buyer(shop_api)
    cart_id = await asyncio.to_thread(fill_cart, shop_api, buyer, [(shop.skus["A"]["id"], 2)])
    declined = checkout_body(cart_id, payment_method_token="pm_card_chargeDeclinedInsufficientFunds")
    assert check_out(shop_api, buyer, declined).status_code == 402
    await dispatch(engine, [SliRecorder()], SystemClock())

    s = _slis(shop_api, shop.staff)
    assert (s["checkouts_started"], s["checkouts_failed"], s["orders"]) == (1, 1, 0)
    assert (s["authorizations_succeeded"], s["authorizations_failed"]) == (0, 1)
    assert s["authorization_success_rate"] == 0.0
    assert (s["reservations_committed"], s["reservations_released"], s["reservations_expired"]) == (0, 1, 0)
    assert s["cart_adds"] == 1
    assert s["psp_latency_p95_ms"] is not None  # the decline's round trip

    paid = check_out(shop_api, buyer, checkout_body(cart_id))
    assert paid.status_code == 201, paid.text
    await dispatch(engine, [SliRecorder()], SystemClock())

    s = _slis(shop_api, shop.staff)
    assert (s["checkouts_started"], s["checkouts_failed"], s["orders"]) == (2, 1, 1)
    assert (s["authorizations_succeeded"], s["authorizations_failed"]) == (1, 1)
    assert s["authorization_success_rate"] == 0.5
    assert s["checkout_conversion_rate"] == 0.5
    assert (s["reservations_committed"], s["reservations_released"]) == (1, 1)
    emitted = await _every_payload_conforms(engine)
    assert {
        "cart.line_added",
        "checkout.started",
        "checkout.failed",
        "payment.failed",
        "payment.authorized",
        "reservation.created",
        "reservation.released",
        "reservation.committed",
        "stock.changed",
    } <= emitted
    async with engine.connect() as conn:
        failed = (
            await conn.execute(text("SELECT payload FROM outbox WHERE event_type = 'checkout.failed'"))
        ).scalar_one()
        payment_failed = (
            await conn.execute(text("SELECT payload FROM outbox WHERE event_type = 'payment.failed'"))
        ).scalar_one()
    assert (failed["code"], failed["stage"], failed["merchant_ids"]) == (
        "payment-declined",
        "authorize",
        [shop.staff.merchant_id],
    )
    assert payment_failed["operation"] == "authorize" and payment_failed["decline_code"] == "insufficient_funds"
    assert payment_failed["merchant_ids"] == [shop.staff.merchant_id]


async def test_a_sweeper_expiry_moves_the_reservation_expiry_rate(
    shop_api: httpx.Client, database_url: str, engine: AsyncEngine
) -> None:
    shop = await asyncio.to_thread(open_shop, shop_api, database_url, items={"A": (1000, 5)})
    sku_id = shop.skus["A"]["id"]
    clock = FrozenClock(SystemClock().now())
    async with unit_of_work(engine) as tx:
        for _ in range(2):
            await reserve_stock(tx, lines=[(sku_id, 1)], holder=new_id("checkout"), ttl_seconds=60, now=clock.now())
    async with unit_of_work(engine) as tx:  # a longer hold, still live when the sweeper runs
        await reserve_stock(tx, lines=[(sku_id, 1)], holder=new_id("checkout"), ttl_seconds=900, now=clock.now())
    await dispatch(engine, [SliRecorder()], SystemClock())
    assert _slis(shop_api, shop.staff)["reservation_expiry_rate"] is None  # nothing ended yet

    clock.advance(timedelta(seconds=61))
    swept = await release_expired_reservations(
        engine, clock, batch_size=10, metrics=SweeperMetrics(CollectorRegistry())
    )
    assert swept == 2
    await dispatch(engine, [SliRecorder()], SystemClock())

    s = _slis(shop_api, shop.staff)
    assert (s["reservations_committed"], s["reservations_released"], s["reservations_expired"]) == (0, 0, 2)
    assert s["reservation_expiry_rate"] == 1.0
    assert s["reserve_to_commit_rate"] == 0.0
    await _every_payload_conforms(engine)


async def test_a_checkout_refused_at_validation_still_counts_as_started_and_failed(
    shop_api: httpx.Client, database_url: str, engine: AsyncEngine
) -> None:
    shop = await asyncio.to_thread(open_shop, shop_api, database_url, items={"A": (1000, 3)})
    sku_id = shop.skus["A"]["id"]
    buyer = new_buyer(shop_api)
    cart_id = await asyncio.to_thread(fill_cart, shop_api, buyer, [(sku_id, 1)])
    patched = shop_api.patch(f"/v1/merchant/skus/{sku_id}", json={"price": 1200}, headers=shop.staff.headers)
    assert patched.status_code == 200, patched.text
    assert check_out(shop_api, buyer, checkout_body(cart_id)).status_code == 409
    await dispatch(engine, [SliRecorder()], SystemClock())

    s = _slis(shop_api, shop.staff)
    assert (s["checkouts_started"], s["checkouts_failed"]) == (1, 1)
    assert s["checkout_conversion_rate"] == 0.0
    async with engine.connect() as conn:
        rows = list(
            await conn.execute(text("SELECT event_type, payload FROM outbox WHERE aggregate = 'checkout' ORDER BY seq"))
        )
    assert [r.event_type for r in rows] == ["checkout.started", "checkout.failed"]
    failed = rows[1].payload
    assert (failed["code"], failed["stage"], failed["merchant_ids"]) == (
        "price-changed",
        "validate",
        [shop.staff.merchant_id],
    )
    assert rows[0].payload["currency"] == "usd"
    await _every_payload_conforms(engine)
