"""Per-merchant SLIs fed by events: the funnel, payment success, reservation conversion and expiry,
oversell, stuck orders and PSP/tax latency, over a window, through `GET /v1/merchant/slis`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import psycopg
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.events.slis import SliMetrics, SliRecorder, StuckAges, merchant_slis
from mercato.kernel.clock import SystemClock
from mercato.kernel.ids import new_id
from tests import factories
from tests.integration.notifications.pipeline import dispatch, emit, item, order_confirmed, transition


async def _checkout(engine: AsyncEngine, buyer: str, merchants: list[str], *, failed: bool = False) -> str:
    checkout_id = new_id("checkout")
    started = {"checkout_id": checkout_id, "user_id": buyer, "cart_id": new_id("cart"), "currency": "usd"}
    await emit(engine, "checkout", checkout_id, "checkout.started", {**started, "merchant_ids": merchants})
    if failed:
        failure = {"checkout_id": checkout_id, "user_id": buyer, "code": "payment-declined", "stage": "authorize"}
        await emit(engine, "checkout", checkout_id, "checkout.failed", {**failure, "merchant_ids": merchants})
    return checkout_id


async def _psp(engine: AsyncEngine, checkout_id: str, merchants: list[str], *answers: tuple[str, str, int]) -> None:
    """The payment events of the checkout's PSP answers: (operation, outcome, latency_ms)."""
    payment_id = new_id("payment")
    base = {"payment_id": payment_id, "checkout_id": checkout_id, "amount": 1000, "currency": "usd"}
    for operation, outcome, latency in answers:
        payload = {**base, "merchant_ids": merchants, "latency_ms": latency}
        if outcome == "failed":
            event_type, payload = "payment.failed", {**payload, "operation": operation, "decline_code": "do_not_honor"}
        else:
            event_type = {"authorize": "payment.authorized", "capture": "payment.captured"}[operation]
        await emit(engine, "payment", payment_id, event_type, payload)


async def _reservation(engine: AsyncEngine, merchant: str, sku_id: str, event_type: str) -> None:
    reservation_id = new_id("reservation")
    payload = {
        "reservation_id": reservation_id,
        "sku_id": sku_id,
        "warehouse_id": new_id("warehouse"),
        "merchant_id": merchant,
        "holder": new_id("checkout"),
        "qty": 1,
    }
    await emit(engine, "reservation", reservation_id, event_type, payload)


async def feed(engine: AsyncEngine, mine: str, theirs: str, buyer: str) -> SliMetrics:
    """A day of activity, as the checkout saga, payments and inventory emit it: 4 checkouts held my SKUs
    (one also another merchant's) and 1 failed; 3 authorizations succeeded and 1 was declined, 2 captures
    succeeded and 1 failed; 5 reservations of mine ended (3 committed, 1 released, 1 expired); 3 orders
    were confirmed."""
    checkouts = [
        await _checkout(engine, buyer, [mine]),
        await _checkout(engine, buyer, [mine]),
        await _checkout(engine, buyer, sorted([mine, theirs])),
        await _checkout(engine, buyer, [mine], failed=True),
    ]
    await _psp(engine, checkouts[0], [mine], ("authorize", "succeeded", 300), ("capture", "succeeded", 350))
    await _psp(engine, checkouts[1], [mine], ("authorize", "succeeded", 400), ("capture", "failed", 900))
    shared = sorted([mine, theirs])
    await _psp(engine, checkouts[2], shared, ("authorize", "succeeded", 800), ("capture", "succeeded", 350))
    await _psp(engine, checkouts[3], [mine], ("authorize", "failed", 500))
    my_sku, their_sku = new_id("sku"), new_id("sku")
    for event_type in ("committed", "committed", "committed", "released", "expired"):
        await _reservation(engine, mine, my_sku, f"reservation.{event_type}")
    await _reservation(engine, theirs, their_sku, "reservation.committed")
    for _ in range(3):
        order = order_confirmed(buyer, [item(mine, "Anvil", 1, 1000), item(theirs, "Zip", 1, 100)])
        await emit(engine, "order", order["order_id"], "order.confirmed", order)
    metrics = SliMetrics(CollectorRegistry())
    await dispatch(engine, [SliRecorder(metrics)], SystemClock())
    return metrics


async def test_a_merchant_sees_its_own_figures_over_the_window(
    aapi: httpx.AsyncClient, api: httpx.Client, database_url: str, engine: AsyncEngine
) -> None:
    staff = await asyncio.to_thread(factories.merchant_staff, api, database_url)
    other = await asyncio.to_thread(factories.merchant_staff, api, database_url, merchant_name="Other")
    assert staff.merchant_id and other.merchant_id
    buyer = factories.customer(api)
    metrics = await feed(engine, staff.merchant_id, other.merchant_id, buyer.user_id)

    response = await aapi.get("/v1/merchant/slis", params={"window": "1h"}, headers=staff.headers)
    assert response.status_code == 200, response.text
    s = response.json()
    assert s["object"] == "merchant_slis"
    assert (s["merchant_id"], s["window"]) == (staff.merchant_id, "1h")
    assert (s["checkouts_started"], s["checkouts_failed"], s["orders"]) == (4, 1, 3)
    assert s["checkout_conversion_rate"] == 0.75
    assert (s["authorizations_succeeded"], s["authorizations_failed"]) == (3, 1)
    assert s["authorization_success_rate"] == 0.75
    assert s["capture_success_rate"] == 0.6667
    assert (s["reservations_committed"], s["reservations_released"], s["reservations_expired"]) == (3, 1, 1)
    assert s["reserve_to_commit_rate"] == 0.6
    assert s["reservation_expiry_rate"] == 0.2
    assert s["oversell_incidents"] == 0
    assert s["stuck_orders"] == 0
    assert s["psp_latency_p95_ms"] is not None
    assert 800 <= s["psp_latency_p95_ms"] <= 900  # p95 of 300 400 800 500 350 350 900
    assert s["tax_latency_p95_ms"] == 12.5

    theirs = (await aapi.get("/v1/merchant/slis", headers=other.headers)).json()
    assert theirs["window"] == "24h"  # the default
    assert (theirs["checkouts_started"], theirs["orders"], theirs["reservations_committed"]) == (1, 3, 1)
    assert theirs["authorization_success_rate"] == 1.0  # the shared checkout's authorization
    assert theirs["reservation_expiry_rate"] == 0.0
    loner = await asyncio.to_thread(factories.merchant_staff, api, database_url, merchant_name="Loner")
    nothing = (await aapi.get("/v1/merchant/slis", headers=loner.headers)).json()
    assert nothing["authorization_success_rate"] is None  # no attempt in the window: no rate, not 0

    assert metrics.funnel.labels(staff.merchant_id, "order")._value.get() == 3


def test_a_merchant_with_no_activity_gets_zero_counts_and_null_rates(api: httpx.Client, database_url: str) -> None:
    staff = factories.merchant_staff(api, database_url)
    s = api.get("/v1/merchant/slis", params={"window": "7d"}, headers=staff.headers).json()
    assert s["checkouts_started"] == 0
    assert s["oversell_incidents"] == 0
    for rate in (
        "authorization_success_rate",
        "capture_success_rate",
        "reserve_to_commit_rate",
        "reservation_expiry_rate",
        "checkout_conversion_rate",
        "psp_latency_p95_ms",
    ):
        assert s[rate] is None, rate


def test_an_unknown_window_is_a_422_and_customers_are_refused(api: httpx.Client, database_url: str) -> None:
    staff = factories.merchant_staff(api, database_url)
    for window in ("2h", "", "24H", "1d"):
        response = api.get("/v1/merchant/slis", params={"window": window}, headers=staff.headers)
        assert response.status_code == 422, window
        assert response.json()["errors"][0]["field"] == "query.window"
    assert api.get("/v1/merchant/slis", headers=factories.customer(api).headers).status_code == 403


async def test_orders_without_a_transition_past_the_age_are_stuck_and_oversells_are_counted(
    api: httpx.Client, database_url: str, engine: AsyncEngine
) -> None:
    merchant = new_id("merchant")
    buyer = factories.customer(api)
    stale = order_confirmed(buyer.user_id, [item(merchant, "Anvil", 1, 1000)])
    moving = order_confirmed(buyer.user_id, [item(merchant, "Anvil", 1, 1000)])
    done = order_confirmed(buyer.user_id, [item(merchant, "Anvil", 1, 1000)])
    for order in (stale, moving, done):
        await emit(engine, "order", order["order_id"], "order.confirmed", order)
    await emit(engine, "order", moving["order_id"], "order.shipped", transition(moving, "confirmed", "shipped"))
    await emit(engine, "order", done["order_id"], "order.canceled", transition(done, "confirmed", "canceled"))
    await emit(
        engine,
        "inventory",
        "sku_x",
        "stock.oversold",
        {"sku_id": new_id("sku"), "warehouse_id": new_id("warehouse"), "merchant_id": merchant, "detail": "test"},
    )
    await dispatch(engine, [SliRecorder()], SystemClock())
    with psycopg.connect(database_url, autocommit=True) as conn:  # the moving order shipped later than the rest
        conn.execute(
            "UPDATE sli_order_states SET last_transition_at = last_transition_at + interval '2 days'"
            " WHERE order_id = %s",
            (moving["order_id"],),
        )

    ages = StuckAges(open_orders=timedelta(hours=24), shipped_orders=timedelta(days=14))
    async with engine.connect() as conn:
        now = SystemClock().now()
        fresh = await merchant_slis(conn, merchant_id=merchant, window="24h", now=now, stuck=ages)
        later = await merchant_slis(conn, merchant_id=merchant, window="7d", now=now + timedelta(days=2), stuck=ages)
    assert fresh.stuck_orders == 0
    assert fresh.as_dict()["oversell_incidents"] == 1
    assert later.stuck_orders == 1  # the confirmed one; the shipped one moved, the canceled one is final
