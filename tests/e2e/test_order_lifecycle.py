"""After checkout: cancel (void + restock), merchant cancel of its part, digital capture at once, refunds."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg

from tests.checkout_factories import check_out, checkout_body, fill_cart, install_rates, new_buyer, open_shop
from tests.psp_fixtures import SandboxProcess


def _order(api: httpx.Client, database_url: str, items: dict[str, tuple[int, int]], qty: dict[str, int], **kw: Any):  # type: ignore[no-untyped-def]
    install_rates(database_url)
    shop = open_shop(api, database_url, items=items, **kw)
    buyer = new_buyer(api)
    cart_id = fill_cart(api, buyer, [(shop.skus[code]["id"], n) for code, n in qty.items()])
    response = check_out(api, buyer, checkout_body(cart_id))
    assert response.status_code == 201, response.text
    return shop, buyer, response.json()


def _levels(db: psycopg.Connection[Any]) -> dict[str, tuple[int, int]]:
    return {r[0]: (r[1], r[2]) for r in db.execute("SELECT sku_id, on_hand, reserved FROM inventory").fetchall()}


def test_customer_cancel_before_shipping_voids_and_restocks(
    shop_api: httpx.Client, database_url: str, db: psycopg.Connection[Any], primary: SandboxProcess
) -> None:
    shop, buyer, order = _order(shop_api, database_url, {"A": (1000, 5)}, {"A": 3})
    sku = shop.skus["A"]["id"]
    assert _levels(db)[sku] == (2, 0)
    canceled = shop_api.post(
        f"/v1/orders/{order['id']}/cancel", json={"reason": "changed my mind"}, headers=buyer.headers
    )
    assert canceled.status_code == 200, canceled.text
    body = canceled.json()
    assert body["status"] == "canceled" and body["payment"]["status"] == "voided"
    assert all(s["status"] == "canceled" for s in body["shipments"])
    assert _levels(db)[sku] == (5, 0)
    again = shop_api.post(f"/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert again.status_code == 409 and again.json()["code"] == "invalid-transition"
    other = new_buyer(shop_api)
    assert shop_api.post(f"/v1/orders/{order['id']}/cancel", headers=other.headers).status_code == 404


def test_shipped_order_cannot_be_canceled_by_the_customer(shop_api: httpx.Client, database_url: str) -> None:
    shop, buyer, order = _order(shop_api, database_url, {"A": (1000, 5)}, {"A": 1})
    shipment = order["shipments"][0]["id"]
    shipped = shop_api.post(
        f"/v1/merchant/shipments/{shipment}/ship",
        json={"carrier": "ups", "tracking_number": "1Z"},
        headers=shop.staff.headers,
    )
    assert shipped.status_code == 200, shipped.text
    response = shop_api.post(f"/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert response.status_code == 409 and response.json()["code"] == "invalid-transition"


def test_digital_goods_are_captured_and_delivered_at_once(shop_api: httpx.Client, database_url: str) -> None:
    _, _, order = _order(shop_api, database_url, {"EBOOK": (900, 100)}, {"EBOOK": 1}, digital=frozenset({"EBOOK"}))
    assert order["shipping_total"] == 0
    assert order["status"] == "delivered"
    assert order["payment"]["amount_captured"] == order["total"] and order["payment"]["status"] == "captured"


def test_refunds_partial_then_full_then_over_refund_refused(
    shop_api: httpx.Client, database_url: str, db: psycopg.Connection[Any]
) -> None:
    shop, buyer, order = _order(shop_api, database_url, {"A": (2000, 5)}, {"A": 2})
    shipment = order["shipments"][0]["id"]
    shop_api.post(
        f"/v1/merchant/shipments/{shipment}/ship",
        json={"carrier": "ups", "tracking_number": "1Z"},
        headers=shop.staff.headers,
    )
    url = f"/v1/merchant/orders/{order['id']}/refunds"

    def refund(body: dict[str, Any], key: str | None = None) -> httpx.Response:
        return shop_api.post(url, json=body, headers={**shop.staff.headers, "Idempotency-Key": key or uuid.uuid4().hex})

    missing_key = shop_api.post(url, json={"amount": 100, "reason": "x"}, headers=shop.staff.headers)
    assert missing_key.status_code == 400
    key = uuid.uuid4().hex
    partial = refund({"amount": 1000, "reason": "scratched"}, key)
    assert partial.status_code == 201, partial.text
    assert partial.json()["object"] == "refund" and partial.json()["amount"] == 1000
    assert refund({"amount": 1000, "reason": "scratched"}, key).json()["id"] == partial.json()["id"]  # replay
    view = shop_api.get(f"/v1/orders/{order['id']}", headers=buyer.headers).json()
    assert view["status"] == "shipped" and view["payment"]["amount_refunded"] == 1000
    over = refund({"amount": order["total"], "reason": "too much"})
    assert over.status_code == 409 and over.json()["code"] == "refund-exceeds-captured"
    rest = refund({"reason": "returned", "restock": False})
    assert rest.status_code == 201 and rest.json()["amount"] == order["total"] - 1000
    final = shop_api.get(f"/v1/orders/{order['id']}", headers=buyer.headers).json()
    assert final["status"] == "refunded" and final["payment"]["amount_refunded"] == order["total"]
    other = open_shop(shop_api, database_url, items={"Z": (100, 1)})
    foreign = shop_api.post(
        url, json={"amount": 1, "reason": "x"}, headers={**other.staff.headers, "Idempotency-Key": "k"}
    )
    assert foreign.status_code == 404


def test_uncaptured_items_are_canceled_not_refunded(shop_api: httpx.Client, database_url: str) -> None:
    shop, _, order = _order(shop_api, database_url, {"A": (2000, 5)}, {"A": 1})
    item = order["items"][0]["id"]
    response = shop_api.post(
        f"/v1/merchant/orders/{order['id']}/refunds",
        json={"items": [item], "reason": "x"},
        headers={**shop.staff.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    canceled = shop_api.post(
        f"/v1/merchant/orders/{order['id']}/cancel",
        json={"reason": "out of stock in the warehouse"},
        headers=shop.staff.headers,
    )
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
