"""Every checkout failure point ends consistent: nothing held, nothing authorized, a clear problem."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from mercato.db.engine import make_engine
from mercato.kernel.clock import SystemClock
from mercato.payments import ReconcilePolicy, reconcile_payments
from tests.checkout_factories import check_out, checkout_body, fill_cart, install_rates, new_buyer, open_shop
from tests.conftest import ServedApp
from tests.psp_fixtures import HANG_SECONDS, SandboxProcess, make_registry


def _held_and_live(db: Any, primary: SandboxProcess) -> tuple[int, int]:
    """Units still reserved anywhere, and PSP authorizations still live for any payment."""
    reserved = db.execute("SELECT coalesce(sum(reserved), 0) FROM inventory").fetchone()[0]
    live = 0
    for (payment_id,) in db.execute("SELECT id FROM payments").fetchall():
        live += sum(1 for i in primary.intents_for(payment_id) if i["status"] == "requires_capture")
    return int(reserved), live


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def test_missing_idempotency_key_is_400(shop_api: httpx.Client, database_url: str) -> None:
    buyer = new_buyer(shop_api)
    response = shop_api.post("/v1/checkout", json=checkout_body("cart_x"), headers=buyer.headers)
    _problem(response, 400, "idempotency-key-missing")


def test_merchant_staff_cannot_check_out(shop_api: httpx.Client, database_url: str) -> None:
    shop = open_shop(shop_api, database_url, items={"A": (100, 1)})
    response = shop_api.post(
        "/v1/checkout", json=checkout_body("cart_x"), headers={**shop.staff.headers, "Idempotency-Key": "k"}
    )
    _problem(response, 403, "forbidden")


def test_someone_elses_cart_is_not_found_and_bad_body_is_422(shop_api: httpx.Client, database_url: str) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (100, 5)})
    owner, thief = new_buyer(shop_api), new_buyer(shop_api)
    cart_id = fill_cart(shop_api, owner, [(shop.skus["A"]["id"], 1)])
    _problem(check_out(shop_api, thief, checkout_body(cart_id)), 404, "not-found")
    bad = checkout_body(cart_id, shipping_address={"name": "x"}, tip=5)
    body = _problem(check_out(shop_api, owner, bad), 422, "validation-error")
    fields = {e["field"] for e in body["errors"]}
    assert "body.tip" in fields and "body.shipping_address.line1" in fields


def test_replay_same_key_returns_same_order_and_other_body_is_refused(
    shop_api: httpx.Client, database_url: str, db: Any
) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (1000, 5)})
    buyer = new_buyer(shop_api)
    cart_id = fill_cart(shop_api, buyer, [(shop.skus["A"]["id"], 1)])
    key = uuid.uuid4().hex
    first = check_out(shop_api, buyer, checkout_body(cart_id), key)
    again = check_out(shop_api, buyer, checkout_body(cart_id), key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    other = check_out(shop_api, buyer, checkout_body(cart_id, coupon_code="X"), key)
    _problem(other, 422, "idempotency-key-reused")
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (1,)


def test_stock_gone_is_out_of_stock_naming_the_sku_and_holds_nothing(
    shop_api: httpx.Client, database_url: str, db: Any, primary: SandboxProcess
) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (1000, 2), "B": (500, 5)})
    buyer = new_buyer(shop_api)
    cart_id = fill_cart(shop_api, buyer, [(shop.skus["A"]["id"], 2), (shop.skus["B"]["id"], 1)])
    shop_api.put(
        f"/v1/merchant/skus/{shop.skus['A']['id']}/stock/{shop.warehouse_id}",
        json={"on_hand": 1},
        headers=shop.staff.headers,
    )
    body = _problem(check_out(shop_api, buyer, checkout_body(cart_id)), 409, "out-of-stock")
    assert body["skus"] == [shop.skus["A"]["id"]]
    assert _held_and_live(db, primary) == (0, 0)
    assert db.execute("SELECT count(*) FROM payments").fetchone() == (0,)


def test_price_change_needs_acceptance(shop_api: httpx.Client, database_url: str, db: Any) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (1000, 5)})
    buyer = new_buyer(shop_api)
    sku_id = shop.skus["A"]["id"]
    cart_id = fill_cart(shop_api, buyer, [(sku_id, 1)])
    patched = shop_api.patch(f"/v1/merchant/skus/{sku_id}", json={"price": 1200}, headers=shop.staff.headers)
    assert patched.status_code == 200, patched.text
    body = _problem(check_out(shop_api, buyer, checkout_body(cart_id)), 409, "price-changed")
    assert body["prices"] == [{"sku_id": sku_id, "added_price": 1000, "price": 1200}]
    accepted = check_out(shop_api, buyer, checkout_body(cart_id, accept_price_changes=True))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["items"][0]["unit_price"] == 1200


def test_decline_is_402_with_decline_code_and_compensates(
    shop_api: httpx.Client, database_url: str, db: Any, primary: SandboxProcess
) -> None:
    install_rates(database_url)
    db.execute("INSERT INTO coupons (code, kind, value, max_redemptions) VALUES ('TEN', 'percent', 1000, 1)")
    shop = open_shop(shop_api, database_url, items={"A": (1000, 3)})
    buyer = new_buyer(shop_api)
    cart_id = fill_cart(shop_api, buyer, [(shop.skus["A"]["id"], 2)])
    declined = checkout_body(cart_id, payment_method_token="pm_card_chargeDeclinedInsufficientFunds", coupon_code="ten")
    body = _problem(check_out(shop_api, buyer, declined), 402, "payment-declined")
    assert body["decline_code"] == "insufficient_funds" and body["retryable"] is False
    assert _held_and_live(db, primary) == (0, 0)
    assert db.execute("SELECT redemptions FROM coupons").fetchone() == (0,)  # the coupon use is given back
    assert db.execute("SELECT status FROM carts WHERE id = %s", (cart_id,)).fetchone() == ("active",)
    retry = check_out(shop_api, buyer, checkout_body(cart_id, coupon_code="TEN"))
    assert retry.status_code == 201, retry.text
    assert retry.json()["discount_total"] == 200


def test_unknown_payment_method_is_422(shop_api: httpx.Client, database_url: str, db: Any) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (1000, 3)})
    buyer = new_buyer(shop_api)
    cart_id = fill_cart(shop_api, buyer, [(shop.skus["A"]["id"], 1)])
    response = check_out(shop_api, buyer, checkout_body(cart_id, payment_method_token="pm_does_not_exist"))
    _problem(response, 422, "invalid-payment-method")
    assert db.execute("SELECT coalesce(sum(reserved), 0) FROM inventory").fetchone() == (0,)


def _reconcile(database_url: str, primary: SandboxProcess) -> None:
    async def run() -> None:
        engine = make_engine(database_url, pool_size=2, max_overflow=0)
        registry = make_registry(primary)
        try:
            await reconcile_payments(engine, registry, clock=SystemClock(), policy=ReconcilePolicy())
        finally:
            await registry.close()
            await engine.dispose()

    asyncio.run(run())


def test_psp_timeout_ends_consistent_once_reconciled(
    shop_api: httpx.Client, database_url: str, db: Any, primary: SandboxProcess
) -> None:
    install_rates(database_url)
    shop = open_shop(shop_api, database_url, items={"A": (1000, 3)})
    buyer = new_buyer(shop_api)
    cart_id = fill_cart(shop_api, buyer, [(shop.skus["A"]["id"], 1)])
    key = uuid.uuid4().hex
    hung = check_out(shop_api, buyer, checkout_body(cart_id, payment_method_token="pm_sandbox_timeout"), key)
    assert hung.status_code in (402, 503), hung.text
    assert db.execute("SELECT coalesce(sum(reserved), 0) FROM inventory").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    (payment_id,) = db.execute("SELECT id FROM payments").fetchone()
    # Either the compensation already learnt the outcome and voided, or it asked reconciliation to.
    status, requested = db.execute("SELECT status, void_requested_at IS NOT NULL FROM payments").fetchone()
    assert status == "voided" or requested
    time.sleep(HANG_SECONDS)  # the sandbox finishes the hung request: the authorization now exists
    _reconcile(database_url, primary)
    assert db.execute("SELECT status FROM payments WHERE id = %s", (payment_id,)).fetchone() == ("voided",)
    live = [
        i
        for (pid,) in db.execute("SELECT id FROM payments").fetchall()
        for i in primary.intents_for(pid)
        if i["status"] == "requires_capture"
    ]
    assert live == [], "an authorization outlived its failed checkout"


def test_tax_provider_down_falls_back_to_estimate(
    tax_down_app: ServedApp, database_url: str, primary: SandboxProcess
) -> None:
    install_rates(database_url)
    with httpx.Client(base_url=tax_down_app.base_url, timeout=30) as api:
        shop = open_shop(api, database_url, items={"A": (1000, 3)})
        buyer = new_buyer(api)
        cart_id = fill_cart(api, buyer, [(shop.skus["A"]["id"], 1)])
        response = check_out(api, buyer, checkout_body(cart_id))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["tax_estimated"] is True and order["tax_total"] == 83  # the cached Austin rate, 8.25 %
