"""The checkout benchmark's floor server does the work it stands for: a checkout's writes on real
PostgreSQL and an authorization at the sandbox PSP process (its rate is the bound the report compares
with; a floor that skipped work would make that bound a lie)."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from bench.checkout_floor import build_app
from bench.checkout_setup import ADDRESS, SECRET, SKU_IDS, prepare_carts
from tests.psp_fixtures import API_KEY, SandboxProcess

STOCK = 10_000_000  # what prepare_carts receives per SKU


async def _check_out(database_url: str, psp: SandboxProcess, *, shape: str, cart_id: str, token: str) -> httpx.Response:
    """`POST /v1/checkout` of `cart_id` with `token` on a floor app of `shape`, in process."""
    app = build_app(database_url, psp.url, SECRET, shape=shape, psp_api_key=API_KEY)
    body = {"cart_id": cart_id, "shipping_address": ADDRESS, "payment_method_token": "pm_card_visa"}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://floor") as client,
    ):
        return await client.post("/v1/checkout", json=body, headers=headers)


@pytest.mark.parametrize("shape", ["bare", "guarded", "complete"])
async def test_the_floor_commits_the_carts_stock_writes_the_order_and_authorizes_at_the_psp(
    database_url: str, primary: SandboxProcess, shape: str
) -> None:
    [(token, cart_id)] = prepare_carts(database_url, 1, skus=2)

    answer = await _check_out(database_url, primary, shape=shape, cart_id=cart_id, token=token)

    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["payment"]["status"] == "requires_capture"
    assert sorted(item["sku_id"] for item in order["items"]) == sorted(SKU_IDS[:2])
    with psycopg.connect(database_url) as db:
        stock = db.execute("SELECT on_hand, reserved FROM inventory WHERE sku_id = ANY(%s)", (SKU_IDS[:2],)).fetchall()
        items = db.execute("SELECT count(*) FROM order_items WHERE order_id = %s", (order["id"],)).fetchone()
        statuses = db.execute(
            "SELECT DISTINCT status FROM reservations WHERE sku_id = ANY(%s)", (SKU_IDS[:2],)
        ).fetchall()
        payment = db.execute("SELECT status, amount_authorized FROM payments").fetchall()
        guards = db.execute(
            "SELECT (SELECT array_agg(status) FROM idempotency_keys), (SELECT array_agg(status) FROM"
            " checkout_sessions), (SELECT array_agg(status) FROM payment_attempts)"
        ).fetchone()
        cart = db.execute("SELECT status FROM carts WHERE id = %s", (cart_id,)).fetchone()
    assert payment == [("authorized", 5028)]
    assert guards == ((None, None, None) if shape == "bare" else (["completed"], ["completed"], ["succeeded"]))
    assert cart == ("converted" if shape == "complete" else "active",)
    assert stock == [(STOCK - 1, 0), (STOCK - 1, 0)]
    assert items == (2,)
    assert statuses == [("committed",)]
    async with httpx.AsyncClient(base_url=primary.url, headers={"Authorization": f"Bearer {API_KEY}"}) as psp:
        intent = (await psp.get(f"/v1/payment_intents/{order['payment']['reference']}")).json()
    assert intent["status"] == "requires_capture"
    assert intent["amount"] == 5028


async def test_the_floor_refuses_a_bad_token_before_touching_anything(
    database_url: str, primary: SandboxProcess
) -> None:
    [(_, cart_id)] = prepare_carts(database_url, 1, skus=2)

    answer = await _check_out(database_url, primary, shape="complete", cart_id=cart_id, token="forged")

    assert answer.status_code == 401
    with psycopg.connect(database_url) as db:
        assert db.execute("SELECT count(*) FROM orders").fetchone() == (0,)


async def test_the_complete_floor_refuses_a_cart_that_is_not_the_callers(
    database_url: str, primary: SandboxProcess
) -> None:
    [(_, cart_id), (other_token, _)] = prepare_carts(database_url, 2, skus=2)

    answer = await _check_out(database_url, primary, shape="complete", cart_id=cart_id, token=other_token)

    assert answer.status_code == 404
    with psycopg.connect(database_url) as db:
        assert db.execute("SELECT count(*), sum(reserved) FROM inventory").fetchone() == (2, 0)
