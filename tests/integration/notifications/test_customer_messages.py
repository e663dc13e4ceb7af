"""Customer notifications: events become e-mails (text and HTML) that land in a real SMTP server, SMS go
through the provider interface, and the customer's preferences suppress whole categories."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import FrozenClock, SystemClock
from mercato.kernel.ids import new_id
from mercato.notifications import (
    CustomerNotifier,
    DevSinkSms,
    MessageRenderer,
    NotificationMetrics,
    NotificationSender,
    SmtpMailer,
)
from tests import factories
from tests.integration.notifications.conftest import SmtpServer, bodies
from tests.integration.notifications.pipeline import (
    dispatch,
    emit,
    insert_sku,
    item,
    order_confirmed,
    shipment_shipped,
    transition,
)

MERCHANT = "mer_0000000000000000000000000a"


class Pipeline:
    def __init__(self, engine: AsyncEngine, smtp: SmtpServer, sms_dir: Path) -> None:
        self.engine = engine
        self.clock = FrozenClock(SystemClock().now())
        self.metrics = NotificationMetrics(CollectorRegistry())
        self.notifier = CustomerNotifier(renderer=MessageRenderer(), clock=self.clock, metrics=self.metrics)
        self.sender = NotificationSender(
            mailer=SmtpMailer(host=smtp.host, port=smtp.port, sender="Mercato <no-reply@mercato.test>"),
            sms=DevSinkSms(sms_dir),
            metrics=self.metrics,
        )

    async def run(self) -> int:
        await dispatch(self.engine, [self.notifier], self.clock)
        return await self.sender.run(self.engine, self.clock)


async def test_an_order_confirmation_lands_in_the_smtp_server_with_text_and_html(
    api: httpx.Client, engine: AsyncEngine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    casey = factories.customer(api, name="Casey <Customer>")
    order = order_confirmed(casey.user_id, [item(MERCHANT, "Blue <Mug>", 2, 1250), item(MERCHANT, "Saucer", 1, 300)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)

    assert await Pipeline(engine, smtp_server, tmp_path).run() == 1

    [mail] = smtp_server.inbox.to(casey.email)
    assert mail["Subject"] == f"Order {order['order_id']} is confirmed"
    assert mail["From"] == "Mercato <no-reply@mercato.test>"
    assert mail["X-Mercato-Notification-Id"].startswith("ntf_")
    text, html = bodies(mail)
    assert "Hello Casey <Customer>," in text
    assert "2 x Blue <Mug>  25.00 USD" in text
    assert "Total:    33.00 USD" in text  # 25.00 + 3.00 + 5.00 shipping
    assert "Blue &lt;Mug&gt;" in html  # the HTML part escapes what customers and merchants typed
    assert "<Mug>" not in html
    assert "33.00 USD" in html


async def test_a_shipment_mail_carries_the_carrier_and_tracking_number(
    api: httpx.Client, engine: AsyncEngine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    casey = factories.customer(api)
    order = order_confirmed(casey.user_id, [item(MERCHANT, "Kettle", 1, 4000)])
    shipped = shipment_shipped(order, MERCHANT, tracking="1Z12345E0205271688")
    await emit(engine, "order", order["order_id"], "shipment.shipped", shipped)

    await Pipeline(engine, smtp_server, tmp_path).run()

    [mail] = smtp_server.inbox.to(casey.email)
    assert mail["Subject"] == f"Part of order {order['order_id']} has shipped"
    text, html = bodies(mail)
    assert "Carrier:         UPS" in text
    assert "Tracking number: 1Z12345E0205271688" in text
    assert "1 x Kettle" in text
    assert "<strong>1Z12345E0205271688</strong>" in html


async def test_each_order_event_renders_its_own_message(
    api: httpx.Client, engine: AsyncEngine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    casey = factories.customer(api)
    order = order_confirmed(casey.user_id, [item(MERCHANT, "Lamp", 1, 2000)])
    oid, uid = order["order_id"], casey.user_id
    await emit(engine, "order", oid, "order.delivered", transition(order, "shipped", "delivered"))
    await emit(engine, "order", oid, "order.canceled", transition(order, "confirmed", "canceled", reason="damaged"))
    await emit(
        engine,
        "order",
        oid,
        "order.refunded",
        transition(order, "delivered", "refunded", refund_id=new_id("refund"), amount=1999, currency="usd"),
    )
    await emit(
        engine,
        "checkout",
        "chk_1",
        "reservation.expiring",
        {
            "checkout_id": new_id("checkout"),
            "user_id": uid,
            "expires_at": "2026-01-01T10:15:00Z",
            "merchant_ids": [MERCHANT],
        },
    )

    assert await Pipeline(engine, smtp_server, tmp_path).run() == 4

    subjects = sorted(m["Subject"] for m in smtp_server.inbox.to(casey.email))
    assert subjects == sorted(
        [
            f"Order {oid} was delivered",
            f"Order {oid} was canceled",
            f"A refund of 19.99 USD for order {oid}",
            "Your items are held until 2026-01-01T10:15:00Z",
        ]
    )


async def test_a_category_turned_off_is_not_sent_and_the_others_still_are(
    aapi: httpx.AsyncClient, api: httpx.Client, engine: AsyncEngine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    casey = factories.customer(api)
    response = await aapi.patch(
        "/v1/me/notification-preferences", json={"email": {"order_updates": False}}, headers=casey.headers
    )
    assert response.status_code == 200, response.text
    order = order_confirmed(casey.user_id, [item(MERCHANT, "Lamp", 1, 2000)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)
    await emit(
        engine,
        "checkout",
        "chk_2",
        "reservation.expiring",
        {
            "checkout_id": new_id("checkout"),
            "user_id": casey.user_id,
            "expires_at": "2026-01-01T10:15:00Z",
            "merchant_ids": [MERCHANT],
        },
    )

    pipeline = Pipeline(engine, smtp_server, tmp_path)
    assert await pipeline.run() == 1

    assert [m["Subject"] for m in smtp_server.inbox.to(casey.email)] == [
        "Your items are held until 2026-01-01T10:15:00Z"
    ]
    suppressed = pipeline.metrics.suppressed.labels("email", "order_updates")._value.get()
    assert suppressed == 1


async def test_sms_goes_to_the_number_the_customer_gave_through_the_provider(
    aapi: httpx.AsyncClient, api: httpx.Client, engine: AsyncEngine, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    casey = factories.customer(api)
    await aapi.patch("/v1/me/notification-preferences", json={"phone": "+15555550123"}, headers=casey.headers)
    order = order_confirmed(casey.user_id, [item(MERCHANT, "Kettle", 1, 4000)])
    await emit(
        engine, "order", order["order_id"], "shipment.shipped", shipment_shipped(order, MERCHANT, tracking="TRK1")
    )

    assert await Pipeline(engine, smtp_server, tmp_path).run() == 2  # the e-mail and the SMS

    [sms] = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert sms["to"] == "+15555550123"
    assert sms["text"] == f"Mercato: order {order['order_id']} shipped with UPS, tracking TRK1."


async def test_back_in_stock_tells_each_waiting_subscriber_once(
    aapi: httpx.AsyncClient,
    api: httpx.Client,
    *,
    engine: AsyncEngine,
    database_url: str,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    sku_id = insert_sku(database_url, merchant_id=MERCHANT, name="Limited Teapot")
    casey, robin = factories.customer(api), factories.customer(api)
    for who in (casey, robin):
        response = await aapi.post(f"/v1/skus/{sku_id}/notify-me", headers=who.headers)
        assert response.status_code == 201, response.text
    again = await aapi.post(f"/v1/skus/{sku_id}/notify-me", headers=casey.headers)
    assert again.status_code == 200
    assert again.json()["object"] == "stock_subscription"
    assert again.json()["notified_at"] is None

    payload = {"sku_id": sku_id, "merchant_id": MERCHANT, "available": 3}
    await emit(engine, "sku", sku_id, "stock.back_in_stock", payload)
    pipeline = Pipeline(engine, smtp_server, tmp_path)
    assert await pipeline.run() == 2
    await emit(engine, "sku", sku_id, "stock.back_in_stock", payload)  # a second restock: nobody is waiting
    assert await pipeline.run() == 0

    for who in (casey, robin):
        [mail] = smtp_server.inbox.to(who.email)
        assert mail["Subject"] == "Limited Teapot is back in stock"
        assert "3 available right now" in bodies(mail)[0]


async def test_a_failing_smtp_server_is_retried_later(
    api: httpx.Client, engine: AsyncEngine, smtp_server: SmtpServer, tmp_path: Path, db: object
) -> None:
    casey = factories.customer(api)
    order = order_confirmed(casey.user_id, [item(MERCHANT, "Lamp", 1, 2000)])
    await emit(engine, "order", order["order_id"], "order.confirmed", order)
    pipeline = Pipeline(engine, smtp_server, tmp_path)
    working_mailer = pipeline.sender.mailer
    pipeline.sender.mailer = SmtpMailer(host="127.0.0.1", port=9, sender="x@mercato.test", timeout_seconds=2)

    assert await pipeline.run() == 0
    assert await pipeline.sender.run(engine, pipeline.clock) == 0  # not due again yet
    pipeline.sender.mailer = working_mailer
    pipeline.clock.advance(timedelta(minutes=1))
    assert await pipeline.sender.run(engine, pipeline.clock) == 1
    row = db.execute("SELECT status, attempts FROM notifications").fetchone()  # type: ignore[attr-defined]
    assert row == ("sent", 2)
    assert len(smtp_server.inbox.to(casey.email)) == 1
