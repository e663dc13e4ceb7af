"""Checkout over HTTP against the PSP sandbox process: the happy path to delivered and captured."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from mercato.kernel.clock import rfc3339
from tests.checkout_factories import check_out, checkout_body, fill_cart, install_rates, new_buyer, open_shop


def _invariants(db: psycopg.Connection[Any]) -> None:
    bad = db.execute(
        "SELECT i.sku_id FROM inventory i LEFT JOIN (SELECT sku_id, warehouse_id, sum(on_hand_delta) s"
        " FROM inventory_ledger GROUP BY 1, 2) l USING (sku_id, warehouse_id) WHERE i.on_hand <> coalesce(l.s, 0)"
    ).fetchall()
    assert bad == []


def test_checkout_to_delivered_and_captured(psp_api: httpx.Client, database_url: str, db: Any) -> None:
    install_rates(database_url)
    shop = open_shop(psp_api, database_url, items={"MUG": (1250, 5), "TEE": (2000, 3)})
    buyer = new_buyer(psp_api)
    cart_id = fill_cart(psp_api, buyer, [(shop.skus["MUG"]["id"], 2), (shop.skus["TEE"]["id"], 1)])

    response = check_out(psp_api, buyer, checkout_body(cart_id))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["object"] == "order" and order["status"] == "confirmed"
    assert order["subtotal"] == 2 * 1250 + 2000
    assert order["shipping_total"] == 500  # 1.2 kg, one parcel, UPS domestic
    assert order["tax_total"] == 206 + 165  # 8.25 % of 2500 and of 2000, per item, half up
    assert order["total"] == order["subtotal"] + order["shipping_total"] + order["tax_total"] - order["discount_total"]
    assert order["payment"]["status"] == "authorized" and order["payment"]["amount_authorized"] == order["total"]
    assert order["tax_estimated"] is False
    assert len(order["shipments"]) == 1
    # The answer is the order as any later read shows it: same fields, same timestamps to the microsecond.
    assert psp_api.get(f"/v1/orders/{order['id']}", headers=buyer.headers).json() == order
    db_at = db.execute("SELECT at FROM order_history WHERE order_id = %s ORDER BY id", (order["id"],)).fetchall()
    assert [h["at"] for h in order["history"]] == [rfc3339(at) for (at,) in db_at]
    levels = {r[0]: r[1:] for r in db.execute("SELECT sku_id, on_hand, reserved FROM inventory").fetchall()}
    assert levels[shop.skus["MUG"]["id"]] == (3, 0) and levels[shop.skus["TEE"]["id"]] == (2, 0)
    assert db.execute("SELECT status FROM carts WHERE id = %s", (cart_id,)).fetchone() == ("converted",)

    shipment_id = order["shipments"][0]["id"]
    shipped = psp_api.post(
        f"/v1/merchant/shipments/{shipment_id}/ship",
        json={"carrier": "ups", "tracking_number": "1Z999"},
        headers=shop.staff.headers,
    )
    assert shipped.status_code == 200, shipped.text
    delivered = psp_api.post(f"/v1/merchant/shipments/{shipment_id}/deliver", headers=shop.staff.headers)
    assert delivered.status_code == 200, delivered.text

    final = psp_api.get(f"/v1/orders/{order['id']}", headers=buyer.headers).json()
    assert final["status"] == "delivered"
    assert final["payment"]["amount_captured"] == final["total"]
    assert [h["to"] for h in final["history"]] == ["created", "confirmed", "shipped", "delivered"]
    _invariants(db)
