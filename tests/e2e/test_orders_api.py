"""Order reads over HTTP: owners, admins, merchants' shares, and 404 for everyone else."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx

from mercato.db.engine import make_engine
from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.signatures import signature_header
from mercato.orders import NewOrder, ShipmentEvent, create_confirmed_order, move_shipment
from tests.conftest import CARRIER_SECRET
from tests.factories import admin, customer, merchant_staff
from tests.integration.test_orders_service import two_merchant_order


def _store(database_url: str, order: NewOrder) -> None:
    async def write() -> None:
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            async with unit_of_work(engine) as tx:
                await create_confirmed_order(tx, order=order, actor=order.user_id)
        finally:
            await engine.dispose()

    asyncio.run(write())


def test_customer_reads_own_order_and_nobody_else_can(api: httpx.Client, database_url: str) -> None:
    buyer, stranger = customer(api), customer(api)
    order, _, _ = two_merchant_order(user_id=buyer.user_id)
    _store(database_url, order)
    mine = api.get(f"/v1/orders/{order.id}", headers=buyer.headers)
    assert mine.status_code == 200
    body = mine.json()
    assert body["object"] == "order" and body["status"] == "confirmed" and body["currency"] == "usd"
    assert body["total"] == body["subtotal"] + body["shipping_total"] + body["tax_total"] - body["discount_total"]
    theirs = api.get(f"/v1/orders/{order.id}", headers=stranger.headers)
    missing = api.get("/v1/orders/ord_00000000000000000000000000", headers=stranger.headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"] == missing.json()["detail"]
    assert api.get(f"/v1/orders/{order.id}", headers=admin(api, database_url).headers).status_code == 200


def test_customer_order_list_pages_newest_first(api: httpx.Client, database_url: str) -> None:
    buyer = customer(api)
    ids = []
    for _ in range(3):
        order, _, _ = two_merchant_order(user_id=buyer.user_id)
        _store(database_url, order)
        ids.append(order.id)
    first = api.get("/v1/orders", params={"limit": 2}, headers=buyer.headers).json()
    assert first["object"] == "list" and len(first["items"]) == 2 and first["next_cursor"]
    second = api.get("/v1/orders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=buyer.headers).json()
    assert second["next_cursor"] is None
    assert [o["id"] for o in first["items"] + second["items"]] == list(reversed(ids))
    assert api.get("/v1/orders", params={"limit": 101}, headers=buyer.headers).status_code == 422
    bad = api.get("/v1/orders", params={"cursor": "tampered"}, headers=buyer.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid-cursor"


def test_merchant_sees_only_its_share_and_not_other_merchants_orders(api: httpx.Client, database_url: str) -> None:
    staff, other = merchant_staff(api, database_url), merchant_staff(api, database_url)
    buyer = customer(api)
    order, _, _ = two_merchant_order(user_id=buyer.user_id)
    assert staff.merchant_id is not None
    first = order.shipments[0]
    shipment = replace(
        first, merchant_id=staff.merchant_id, items=[replace(i, merchant_id=staff.merchant_id) for i in first.items]
    )
    order = replace(order, shipments=[shipment, order.shipments[1]])
    _store(database_url, order)
    share = api.get(f"/v1/merchant/orders/{order.id}", headers=staff.headers)
    assert share.status_code == 200
    body = share.json()
    assert (body["subtotal"], body["shipping_total"], body["tax_total"], body["total"]) == (2000, 500, 160, 2660)
    assert {i["merchant_id"] for i in body["items"]} == {staff.merchant_id}
    listed = api.get("/v1/merchant/orders", headers=staff.headers).json()["items"]
    assert [o["id"] for o in listed] == [order.id]
    assert api.get(f"/v1/merchant/orders/{order.id}", headers=other.headers).status_code == 404
    assert api.get("/v1/merchant/orders", headers=other.headers).json()["items"] == []
    assert api.get("/v1/merchant/orders", headers=buyer.headers).status_code == 403


def _ship(database_url: str, shipment_id: str, tracking: str) -> None:
    async def write() -> None:
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            async with unit_of_work(engine) as tx:
                await move_shipment(
                    tx,
                    shipment_id=shipment_id,
                    event=ShipmentEvent.SHIP,
                    actor="t",
                    carrier="ups",
                    tracking_number=tracking,
                )
        finally:
            await engine.dispose()

    asyncio.run(write())


def _scan(api: httpx.Client, body: bytes, *, secret: str = CARRIER_SECRET, at: int | None = None) -> httpx.Response:
    stamp = at if at is not None else int(time.time())
    header = signature_header([secret], stamp, body)
    return api.post(
        "/v1/webhooks/carriers/ups",
        content=body,
        headers={"content-type": "application/json", "Mercato-Carrier-Signature": header},
    )


def test_signed_carrier_delivery_scan_delivers_the_shipment_once(api: httpx.Client, database_url: str) -> None:
    buyer = customer(api)
    order, _, _ = two_merchant_order(user_id=buyer.user_id)
    order = replace(
        order,
        shipments=order.shipments[:1],
        totals=replace(order.totals, subtotal=2000, shipping_total=500, tax_total=160),
    )
    _store(database_url, order)
    _ship(database_url, order.shipments[0].id, "1ZTRACK")
    body = b'{"tracking_number": "1ZTRACK", "event": "delivered"}'
    assert _scan(api, body, secret="wrong").status_code == 400
    assert _scan(api, body, at=int(time.time()) - 3600).json()["code"] == "invalid-signature"
    first = _scan(api, body)
    assert first.status_code == 200 and first.json()["status"] == "delivered"
    again = _scan(api, body)
    assert again.status_code == 200 and again.json()["status"] == "delivered"
    view = api.get(f"/v1/orders/{order.id}", headers=buyer.headers).json()
    assert view["status"] == "delivered"
    assert [h["to"] for h in view["history"]].count("delivered") == 1


def test_carrier_scan_for_unknown_parcel_or_carrier_or_bad_body(api: httpx.Client) -> None:
    assert _scan(api, b'{"tracking_number": "NOPE", "event": "delivered"}').status_code == 404
    bad = _scan(api, b'{"tracking_number": "X", "event": "exploded"}')
    assert bad.status_code == 422 and bad.json()["code"] == "validation-error"
    unknown = api.post("/v1/webhooks/carriers/pigeon", content=b"{}")
    assert unknown.status_code == 404
