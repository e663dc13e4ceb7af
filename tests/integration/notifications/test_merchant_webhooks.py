"""Merchant webhooks end to end: endpoints registered over HTTP, events fanned out to them scoped to each
merchant, delivered signed to a real HTTP receiver, retried with backoff, dead-lettered after 24 h,
redelivered on demand, and signed with both secrets while a rotation overlaps."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import FrozenClock, SystemClock
from mercato.notifications import NotificationMetrics, WebhookDeliverer, WebhookFanout, prune_finished
from tests import factories
from tests.integration.notifications.pipeline import dispatch, emit, item, order_confirmed
from tests.integration.notifications.receiver import Receiver


class Hooks:
    """The worker's webhook half, by hand: fan-out consumer and delivery job on one frozen clock."""

    def __init__(self, engine: AsyncEngine, timeout_seconds: float = 5.0) -> None:
        self.engine = engine
        self.clock = FrozenClock(SystemClock().now())
        self.fanout = WebhookFanout(clock=self.clock)
        self.deliverer = WebhookDeliverer(
            metrics=NotificationMetrics(CollectorRegistry()), timeout_seconds=timeout_seconds
        )

    async def run(self) -> int:
        await dispatch(self.engine, [self.fanout], self.clock)
        return await self.deliverer.run(self.engine, self.clock)

    def unix_now(self) -> int:
        return int(self.clock.now().timestamp())


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.close()


async def make_staff(api: httpx.Client, database_url: str, name: str = "Acme Goods") -> factories.Account:
    """A merchant and its staff (the factory runs its own event loop, so in a thread)."""
    return await asyncio.to_thread(factories.merchant_staff, api, database_url, merchant_name=name)


def register(api: httpx.Client, staff: factories.Account, url: str, types: list[str] | None = None) -> dict[str, Any]:
    response = api.post(
        "/v1/merchant/webhooks", json={"url": url, "event_types": types or ["order.confirmed"]}, headers=staff.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def deliveries(api: httpx.Client, staff: factories.Account, endpoint_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/v1/merchant/webhooks/{endpoint_id}/deliveries", headers=staff.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_each_merchant_receives_only_its_part_of_an_order_signed(
    api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine)
    acme, zenith = [await make_staff(api, database_url, name) for name in ("Acme", "Zenith")]
    for staff in (acme, zenith):
        receiver = Receiver(now=hooks.unix_now)
        receivers.append(receiver)
        receiver.secrets.append(register(api, staff, receiver.url)["secret"])
    buyer = factories.customer(api)
    assert acme.merchant_id and zenith.merchant_id
    order = order_confirmed(
        buyer.user_id, [item(acme.merchant_id, "Anvil", 1, 9900), item(zenith.merchant_id, "Zip", 3, 100)]
    )
    event_id = await emit(engine, "order", order["order_id"], "order.confirmed", order)

    assert await hooks.run() == 2

    for receiver, merchant, name in (
        (receivers[0], acme.merchant_id, "Anvil"),
        (receivers[1], zenith.merchant_id, "Zip"),
    ):
        [request] = receiver.received
        assert request.verified
        assert request.headers["Mercato-Event-Id"] == event_id
        assert request.headers["Mercato-Event-Type"] == "order.confirmed"
        assert request.body["id"] == event_id
        assert request.body["type"] == "order.confirmed"
        data = request.body["data"]
        assert data["merchant_ids"] == [merchant]
        assert [i["name"] for i in data["items"]] == [name]
        assert [t["merchant_id"] for t in data["merchant_totals"]] == [merchant]
        assert "total" not in data  # the whole order's amounts are not any single merchant's business


async def test_failed_attempts_are_retried_with_backoff_until_the_endpoint_answers(
    api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine)
    receiver = Receiver(now=hooks.unix_now)
    receivers.append(receiver)
    staff = await make_staff(api, database_url)
    endpoint = register(api, staff, receiver.url)
    receiver.secrets.append(endpoint["secret"])
    receiver.fail_next = 2
    assert staff.merchant_id
    order = order_confirmed(factories.customer(api).user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)

    assert await hooks.run() == 0  # first attempt: 500
    assert await hooks.run() == 0  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    [pending] = deliveries(api, staff, endpoint["id"])
    assert (pending["status"], pending["attempts"], pending["last_status_code"]) == ("pending", 1, 500)
    assert pending["next_attempt_at"] is not None

    hooks.clock.advance(timedelta(seconds=70))  # past the first backoff (60 s ± 10 %)
    assert await hooks.run() == 0  # second attempt: 500
    hooks.clock.advance(timedelta(seconds=140))  # past the second (120 s ± 10 %)
    assert await hooks.run() == 1

    [done] = deliveries(api, staff, endpoint["id"])
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("succeeded", 3, 200)
    assert len(receiver.received) == 3
    assert len({r.headers["Mercato-Delivery-Id"] for r in receiver.received}) == 1
    assert all(r.verified for r in receiver.received)


async def test_a_delivery_is_dead_lettered_after_24_hours_and_can_be_redelivered(
    aapi: httpx.AsyncClient, api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine)
    receiver = Receiver(now=hooks.unix_now)
    receivers.append(receiver)
    staff = await make_staff(api, database_url)
    endpoint = register(api, staff, receiver.url)
    receiver.secrets.append(endpoint["secret"])
    receiver.fail_next = 10**6
    assert staff.merchant_id
    order = order_confirmed(factories.customer(api).user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)

    started = hooks.clock.now()
    for _ in range(200):
        await hooks.run()
        [delivery] = deliveries(api, staff, endpoint["id"])
        if delivery["status"] == "dead":
            break
        hooks.clock.advance(timedelta(minutes=10))
    assert delivery["status"] == "dead"
    assert hooks.clock.now() - started <= timedelta(hours=24)  # it gave up within the horizon
    assert hooks.clock.now() - started >= timedelta(hours=22)  # …and not much before it
    attempts = delivery["attempts"]
    assert len(receiver.received) == attempts
    assert 10 <= attempts <= 35  # 1, 2, 4 … 60 min apart: a few per hour at first, then hourly

    hooks.clock.advance(timedelta(hours=2))
    await hooks.run()
    assert len(receiver.received) == attempts  # a dead delivery is never attempted again by itself

    receiver.fail_next = 0
    again = await aapi.post(
        f"/v1/merchant/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/redeliver", headers=staff.headers
    )
    assert again.status_code == 201, again.text
    assert again.json()["redelivery_of"] == delivery["id"]
    assert again.json()["status"] == "pending"
    assert await hooks.run() == 1
    statuses = sorted(d["status"] for d in deliveries(api, staff, endpoint["id"]))
    assert statuses == ["dead", "succeeded"]
    assert receiver.received[-1].body == receiver.received[0].body


async def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new_one(
    aapi: httpx.AsyncClient, api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine)
    receiver = Receiver(now=hooks.unix_now)
    receivers.append(receiver)
    staff = await make_staff(api, database_url)
    endpoint = register(api, staff, receiver.url)
    old_secret = endpoint["secret"]
    receiver.secrets.append(old_secret)  # the receiver has not switched yet
    rotated = await aapi.post(
        f"/v1/merchant/webhooks/{endpoint['id']}/rotate-secret", json={"overlap_seconds": 3600}, headers=staff.headers
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != old_secret
    assert rotated.json()["previous_secret_expires_at"] is not None
    fetched = await aapi.get(f"/v1/merchant/webhooks/{endpoint['id']}", headers=staff.headers)
    assert fetched.json()["secret"] is None
    assert staff.merchant_id
    buyer = factories.customer(api)

    first = order_confirmed(buyer.user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    await emit(engine, "order", first["order_id"], "order.confirmed", first)
    assert await hooks.run() == 1
    signature = receiver.received[-1].headers["Mercato-Signature"]
    assert signature.count("v1=") == 2
    assert receiver.received[-1].verified  # with the old secret

    hooks.clock.advance(timedelta(hours=2))  # the overlap is over
    second = order_confirmed(buyer.user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    await emit(engine, "order", second["order_id"], "order.confirmed", second)
    assert await hooks.run() == 0
    assert receiver.received[-1].headers["Mercato-Signature"].count("v1=") == 1
    assert not receiver.received[-1].verified  # the old secret no longer signs
    receiver.secrets.append(new_secret)  # the receiver switches
    hooks.clock.advance(timedelta(minutes=2))
    assert await hooks.run() == 1


async def test_a_slow_endpoint_times_out_and_does_not_hold_up_another(
    api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine, timeout_seconds=0.5)
    slow, quick = Receiver(now=hooks.unix_now), Receiver(now=hooks.unix_now)
    receivers.extend([slow, quick])
    slow.delay_seconds = 2.0
    staff = await make_staff(api, database_url)
    slow_endpoint = register(api, staff, slow.url)
    quick_endpoint = register(api, staff, quick.url)
    slow.secrets.append(slow_endpoint["secret"])
    quick.secrets.append(quick_endpoint["secret"])
    assert staff.merchant_id
    order = order_confirmed(factories.customer(api).user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)

    assert await hooks.run() == 1

    [timed_out] = deliveries(api, staff, slow_endpoint["id"])
    assert timed_out["status"] == "pending"
    assert timed_out["last_error"] == "no answer within 0.5 s"
    assert deliveries(api, staff, quick_endpoint["id"])[0]["status"] == "succeeded"


async def test_disabled_endpoints_and_unsubscribed_types_get_nothing(
    aapi: httpx.AsyncClient, api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine)
    receiver = Receiver(now=hooks.unix_now)
    receivers.append(receiver)
    staff = await make_staff(api, database_url)
    disabled = register(api, staff, receiver.url)
    patched = await aapi.patch(
        f"/v1/merchant/webhooks/{disabled['id']}", json={"status": "disabled"}, headers=staff.headers
    )
    assert patched.json()["status"] == "disabled"
    register(api, staff, receiver.url, types=["shipment.shipped"])
    assert staff.merchant_id
    order = order_confirmed(factories.customer(api).user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)
    assert await hooks.run() == 0
    assert receiver.received == []


async def test_finished_deliveries_are_pruned_after_30_days_and_pending_ones_never(
    aapi: httpx.AsyncClient, api: httpx.Client, database_url: str, engine: AsyncEngine, receivers: list[Receiver]
) -> None:
    hooks = Hooks(engine)
    receiver = Receiver(now=hooks.unix_now)
    receivers.append(receiver)
    staff = await make_staff(api, database_url)
    endpoint = register(api, staff, receiver.url)
    receiver.secrets.append(endpoint["secret"])
    assert staff.merchant_id
    for fail in (0, 10**6):
        receiver.fail_next = fail
        order = order_confirmed(factories.customer(api).user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
        await emit(engine, "order", order["order_id"], "order.confirmed", order)
        await hooks.run()
    hooks.clock.advance(timedelta(days=31))
    assert await prune_finished(engine, hooks.clock) == 1
    remaining = (await aapi.get(f"/v1/merchant/webhooks/{endpoint['id']}/deliveries", headers=staff.headers)).json()
    assert [d["status"] for d in remaining["items"]] == ["pending"]
