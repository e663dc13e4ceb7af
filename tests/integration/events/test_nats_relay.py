"""The NATS JetStream relay: a JetStream consumer sees every event once, each aggregate's in order, and a
re-publish after a crash is dropped by JetStream's de-duplication on the event id."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import nats
import orjson
import psycopg
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.events import ConsumerRegistry, NatsRelay, deliver_batch, fan_out
from mercato.kernel.clock import SystemClock
from tests.integration.events.recording import emit_events


class Stream:
    def __init__(self, url: str) -> None:
        suffix = secrets.token_hex(4)
        self.url = url
        self.name = f"MERCATO_TEST_{suffix.upper()}"
        self.prefix = f"mercatotest{suffix}"

    def relay(self) -> NatsRelay:
        return NatsRelay(url=self.url, stream=self.name, subject_prefix=self.prefix)

    async def messages(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        client = await nats.connect(self.url)
        try:
            js = client.jetstream()
            sub = await js.pull_subscribe(
                f"{self.prefix}.>", stream=self.name, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
            )
            info = await js.stream_info(self.name)
            out: list[tuple[dict[str, str], dict[str, Any]]] = []
            while len(out) < info.state.messages:
                for msg in await sub.fetch(batch=100, timeout=5):
                    await msg.ack()
                    out.append((dict(msg.headers or {}), orjson.loads(msg.data)))
            return out
        finally:
            await client.close()


@pytest.fixture
async def stream(nats_url: str) -> AsyncIterator[Stream]:
    made = Stream(nats_url)
    yield made
    client = await nats.connect(nats_url)
    try:
        await client.jetstream().delete_stream(made.name)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


async def test_a_jetstream_consumer_sees_every_event_of_a_checkout_once_and_in_order(
    engine: AsyncEngine, stream: Stream, database_url: str
) -> None:
    steps = ["checkout.started", "reservation.created", "payment.authorized", "order.confirmed"]
    plan = [("checkout", f"chk_{n}", step) for step in steps for n in range(5)]  # five checkouts interleaved
    ids = await emit_events(engine, plan)
    relays = [stream.relay() for _ in range(3)]  # three workers racing
    await fan_out(engine, ConsumerRegistry([relays[0]]), now=SystemClock().now())

    async def worker(relay: NatsRelay) -> None:
        while (await deliver_batch(engine, relay, now=SystemClock().now(), batch_size=2)).claimed:
            pass

    try:
        await asyncio.gather(*(worker(r) for r in relays))
    finally:
        for relay in relays:
            await relay.close()

    received = await stream.messages()
    assert sorted(body["id"] for _, body in received) == sorted(ids)
    for n in range(5):
        seen = [body for _, body in received if body["aggregate_id"] == f"chk_{n}"]
        assert [body["type"] for body in seen] == steps
    headers, body = received[0]
    assert headers["Nats-Msg-Id"] == body["id"]
    assert headers["Mercato-Event-Type"] == body["type"]
    assert body["object"] == "event"
    assert body["version"] == 1
    assert body["data"] == {"n": ids.index(body["id"])}


async def test_publishing_again_after_a_crash_is_deduplicated_by_the_event_id(
    engine: AsyncEngine, stream: Stream, database_url: str
) -> None:
    ids = await emit_events(engine, [("order", "ord_1", "order.confirmed"), ("order", "ord_1", "order.shipped")])
    relay = stream.relay()
    try:
        await fan_out(engine, ConsumerRegistry([relay]), now=SystemClock().now())
        assert (await deliver_batch(engine, relay, now=SystemClock().now())).delivered == 2
        # a worker that published but died before committing its marks leaves the events pending
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("UPDATE consumer_deliveries SET status = 'pending', delivered_at = NULL")
        assert (await deliver_batch(engine, relay, now=SystemClock().now())).delivered == 2
    finally:
        await relay.close()
    received = await stream.messages()
    assert [body["id"] for _, body in received] == ids
    assert [headers["Nats-Msg-Id"] for headers, _ in received] == ids


async def test_while_nats_is_down_events_wait_and_are_never_dead_lettered(
    engine: AsyncEngine, database_url: str
) -> None:
    await emit_events(engine, [("order", "a", "order.confirmed"), ("order", "b", "order.confirmed")])
    relay = NatsRelay(url="nats://127.0.0.1:9", stream="UNUSED")  # nothing listens on port 9
    await fan_out(engine, ConsumerRegistry([relay]), now=SystemClock().now())
    for _ in range(5):  # more than max_attempts
        outcome = await deliver_batch(engine, relay, now=SystemClock().now() + _hours(1 + _), max_attempts=3)
        assert (outcome.delivered, outcome.failed, outcome.dead) == (0, 1, 0)  # one try, then the batch stops
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT DISTINCT status FROM consumer_deliveries").fetchall() == [("pending",)]


def _hours(n: int) -> timedelta:
    return timedelta(hours=n)
