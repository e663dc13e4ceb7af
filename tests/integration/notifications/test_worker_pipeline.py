"""The real `mercato worker` loop, wired as `default_jobs` builds it: one order confirmation reaches the
customer's mailbox (SMTP), the merchant's webhook receiver (signed), the NATS stream and the SLIs."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from pathlib import Path

import httpx
import nats
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.worker import default_jobs, run_worker
from tests import factories
from tests.conftest import TEST_SECRET
from tests.integration.notifications.conftest import SmtpServer
from tests.integration.notifications.pipeline import emit, item, order_confirmed
from tests.integration.notifications.receiver import Receiver


async def _eventually(check: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"the worker did not deliver: {what}"
        await asyncio.sleep(0.1)


async def test_the_worker_delivers_an_order_confirmation_everywhere(
    aapi: httpx.AsyncClient,
    api: httpx.Client,
    *,
    database_url: str,
    engine: AsyncEngine,
    smtp_server: SmtpServer,
    nats_url: str,
    tmp_path: Path,
) -> None:
    suffix = secrets.token_hex(4)
    settings = Settings(
        env="test",
        jwt_secret=TEST_SECRET,
        data_dir=tmp_path,
        log_level="INFO",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        nats_url=nats_url,
        nats_stream=f"MERCATO_WORKER_{suffix.upper()}",
        nats_subject_prefix=f"mercatoworker{suffix}",
        event_dispatch_interval_seconds=0.05,
        worker_metrics_port=0,
    )
    names = {job.name for job in default_jobs(settings)}
    assert {
        "events.fan_out",
        "events.deliver.nats",
        "events.deliver.customer-notifications",
        "events.deliver.merchant-webhooks",
        "events.deliver.slis",
        "notifications.send",
        "webhooks.deliver",
        "release_expired_reservations",
        "remind_expiring_checkouts",
        "audit_stock",
    } <= names
    receiver = Receiver()
    staff = await asyncio.to_thread(factories.merchant_staff, api, database_url)
    created = await aapi.post(
        "/v1/merchant/webhooks", json={"url": receiver.url, "event_types": ["order.confirmed"]}, headers=staff.headers
    )
    endpoint = created.json()
    receiver.secrets.append(endpoint["secret"])
    buyer = factories.customer(api)
    assert staff.merchant_id
    order = order_confirmed(buyer.user_id, [item(staff.merchant_id, "Anvil", 1, 9900)])
    stop = asyncio.Event()
    logging_before = structlog.get_config()  # run_worker configures logging globally: put it back after
    worker = asyncio.create_task(run_worker(settings, database_url, stop=stop))
    client = await nats.connect(nats_url)
    try:
        event_id = await emit(engine, "order", order["order_id"], "order.confirmed", order)

        async def mailed() -> bool:
            return len(smtp_server.inbox.to(buyer.email)) == 1

        async def hooked() -> bool:
            return len(receiver.received) == 1

        async def streamed() -> bool:
            try:
                message = await client.jetstream().get_last_msg(
                    settings.nats_stream, f"{settings.nats_subject_prefix}.order.confirmed"
                )
            except nats.js.errors.NotFoundError:
                return False
            return bool(message.headers and message.headers.get("Nats-Msg-Id") == event_id)

        await _eventually(mailed, "the e-mail")
        await _eventually(hooked, "the webhook")
        await _eventually(streamed, "the NATS message")
        assert receiver.received[0].verified
        assert receiver.received[0].headers["Mercato-Event-Id"] == event_id
        slis = (await aapi.get("/v1/merchant/slis", headers=staff.headers)).json()
        assert slis["orders"] == 1
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=30)
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await client.jetstream().delete_stream(settings.nats_stream)
        await client.close()
        receiver.close()
        structlog.configure(**logging_before)
