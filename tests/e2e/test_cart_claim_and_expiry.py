"""A guest cart joins the customer's account on sign-in (POST /v1/cart/{id}/claim), and idle guest carts
expire and are removed by the worker's cleanup job."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mercato.cart.jobs import purge_expired_guest_carts
from mercato.db.engine import make_engine
from mercato.kernel.clock import SystemClock
from tests.factories import customer, merchant_staff
from tests.inventory_factories import Db, insert_sku


@pytest.fixture
def skus(api: httpx.Client, database_url: str, db: Db) -> list[str]:
    staff = merchant_staff(api, database_url, merchant_name="Claim Goods")
    wh = api.post(
        "/v1/merchant/warehouses", json={"name": "Main", "country": "US", "region": "CA"}, headers=staff.headers
    ).json()["id"]
    made = []
    for _ in range(3):
        sku = insert_sku(db, merchant_id=str(staff.merchant_id))
        api.put(f"/v1/merchant/skus/{sku}/stock/{wh}", json={"on_hand": 30}, headers=staff.headers)
        made.append(sku)
    return made


def guest_cart(api: httpx.Client, *lines: tuple[str, int]) -> tuple[str, dict[str, str]]:
    first = api.post("/v1/cart", json={"sku_id": lines[0][0], "qty": lines[0][1]}).json()
    headers = {"X-Cart-Token": first["cart_token"]}
    for sku, qty in lines[1:]:
        api.post("/v1/cart", json={"sku_id": sku, "qty": qty, "cart_id": first["id"]}, headers=headers)
    return first["id"], headers


def test_a_customer_without_a_cart_adopts_the_guest_cart(api: httpx.Client, skus: list[str]) -> None:
    cart_id, token = guest_cart(api, (skus[0], 2))
    buyer = customer(api)
    claimed = api.post(f"/v1/cart/{cart_id}/claim", headers={**buyer.headers, **token})
    assert claimed.status_code == 200
    assert claimed.json()["id"] == cart_id and claimed.json()["expires_at"] is None
    assert api.get(f"/v1/cart/{cart_id}", headers=buyer.headers).status_code == 200
    assert api.get(f"/v1/cart/{cart_id}", headers=token).status_code == 404  # the token no longer opens it
    again = api.post("/v1/cart", json={"sku_id": skus[1], "qty": 1}, headers=buyer.headers)
    assert again.status_code == 200 and again.json()["id"] == cart_id


def test_a_guest_cart_merges_into_the_customers_cart(api: httpx.Client, skus: list[str]) -> None:
    buyer = customer(api)
    mine = api.post("/v1/cart", json={"sku_id": skus[0], "qty": 7}, headers=buyer.headers).json()
    cart_id, token = guest_cart(api, (skus[0], 5), (skus[1], 1), (skus[2], 2))
    guest_line = api.get(f"/v1/cart/{cart_id}", headers=token).json()["lines"][2]
    api.post(f"/v1/cart/{cart_id}/lines/{guest_line['id']}/save-for-later", headers=token)
    merged = api.post(f"/v1/cart/{cart_id}/claim", headers={**buyer.headers, **token}).json()
    assert merged["id"] == mine["id"]
    assert [(x["sku_id"], x["qty"]) for x in merged["lines"]] == [(skus[0], 10), (skus[1], 1)]  # 7 + 5 capped at 10
    assert [(x["id"], x["qty"]) for x in merged["saved_for_later"]] == [(guest_line["id"], 2)]
    assert api.get(f"/v1/cart/{cart_id}", headers=token).status_code == 404
    assert api.post(f"/v1/cart/{cart_id}/claim", headers={**buyer.headers, **token}).status_code == 404


def test_claiming_needs_a_signed_in_customer_and_the_guest_token(
    api: httpx.Client, skus: list[str], database_url: str
) -> None:
    cart_id, token = guest_cart(api, (skus[0], 1))
    buyer = customer(api)
    assert api.post(f"/v1/cart/{cart_id}/claim", headers=token).status_code == 401
    staff = merchant_staff(api, database_url, merchant_name="Nosy Goods")
    assert api.post(f"/v1/cart/{cart_id}/claim", headers={**staff.headers, **token}).status_code == 403
    for headers in (buyer.headers, {**buyer.headers, "X-Cart-Token": "wrong"}):
        response = api.post(f"/v1/cart/{cart_id}/claim", headers=headers)
        assert response.status_code == 404 and response.json()["code"] == "not-found"
    other = customer(api)
    other_cart = api.post("/v1/cart", json={"sku_id": skus[0], "qty": 1}, headers=other.headers).json()
    assert api.post(f"/v1/cart/{other_cart['id']}/claim", headers=buyer.headers).status_code == 404
    assert api.get(f"/v1/cart/{cart_id}", headers=token).status_code == 200


def test_idle_guest_carts_expire_and_the_cleanup_job_removes_them(
    api: httpx.Client, skus: list[str], db: Db, database_url: str
) -> None:
    stale_id, stale_token = guest_cart(api, (skus[0], 1))
    fresh_id, fresh_token = guest_cart(api, (skus[0], 1))
    buyer = customer(api)
    customer_cart = api.post("/v1/cart", json={"sku_id": skus[0], "qty": 1}, headers=buyer.headers).json()
    db.execute("UPDATE carts SET expires_at = now() - interval '1 second' WHERE id = %s", (stale_id,))
    db.execute("UPDATE carts SET updated_at = now() - interval '400 days' WHERE id = %s", (customer_cart["id"],))
    assert api.get(f"/v1/cart/{stale_id}", headers=stale_token).status_code == 404

    async def purge() -> int:
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            return await purge_expired_guest_carts(engine, SystemClock())
        finally:
            await engine.dispose()

    assert asyncio.run(purge()) == 1
    remaining = {row[0] for row in db.execute("SELECT id FROM carts").fetchall()}
    assert remaining == {fresh_id, customer_cart["id"]}
    assert db.execute("SELECT count(*) FROM cart_lines WHERE cart_id = %s", (stale_id,)).fetchone() == (0,)
    assert api.get(f"/v1/cart/{fresh_id}", headers=fresh_token).status_code == 200


def test_every_change_renews_a_guest_carts_expiry(api: httpx.Client, skus: list[str], db: Db) -> None:
    cart_id, token = guest_cart(api, (skus[0], 1))
    db.execute("UPDATE carts SET expires_at = now() + interval '1 hour' WHERE id = %s", (cart_id,))
    renewed = api.post("/v1/cart", json={"sku_id": skus[1], "qty": 1, "cart_id": cart_id}, headers=token).json()
    row = db.execute("SELECT expires_at - now() > interval '29 days' FROM carts WHERE id = %s", (cart_id,)).fetchone()
    assert row == (True,)
    assert renewed["expires_at"] is not None
