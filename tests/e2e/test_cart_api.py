"""The cart over HTTP: guests and customers, lines, saved-for-later, limits, availability, estimates and
ownership (anyone but the owner gets 404)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import ServedApp
from tests.factories import Account, customer, merchant_staff
from tests.inventory_factories import Db, hold_stock, insert_sku, set_sku_price, set_sku_status

MISSING_CART = "cart_00000000000000000000000000"


@dataclass
class Shop:
    """A merchant with a warehouse, to stock SKUs in."""

    staff: Account
    warehouse_id: str

    def sku(self, api: httpx.Client, db: Db, *, on_hand: int = 20, **kw: object) -> str:
        sku_id = insert_sku(db, merchant_id=str(self.staff.merchant_id), **kw)  # type: ignore[arg-type]
        response = api.put(
            f"/v1/merchant/skus/{sku_id}/stock/{self.warehouse_id}",
            json={"on_hand": on_hand},
            headers=self.staff.headers,
        )
        assert response.status_code == 200, response.text
        return sku_id


@pytest.fixture
def shop(api: httpx.Client, database_url: str) -> Shop:
    staff = merchant_staff(api, database_url, merchant_name="Cart Goods")
    response = api.post(
        "/v1/merchant/warehouses", json={"name": "Main", "country": "US", "region": "CA"}, headers=staff.headers
    )
    return Shop(staff=staff, warehouse_id=response.json()["id"])


def guest_headers(cart: dict[str, object]) -> dict[str, str]:
    return {"X-Cart-Token": str(cart["cart_token"])}


def add(
    api: httpx.Client, sku_id: str, qty: int = 1, headers: dict[str, str] | None = None, cart_id: str | None = None
) -> httpx.Response:
    body: dict[str, object] = {"sku_id": sku_id, "qty": qty}
    if cart_id:
        body["cart_id"] = cart_id
    return api.post("/v1/cart", json=body, headers=headers or {})


def test_guest_first_add_creates_a_cart_with_a_token_shown_once(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db, price=1250, name="Enamel Mug")
    created = add(api, sku, 2)
    assert created.status_code == 201
    cart = created.json()
    assert cart["object"] == "cart" and cart["id"].startswith("cart_") and cart["currency"] == "usd"
    assert cart["cart_token"] and cart["expires_at"] is not None
    [line] = cart["lines"]
    assert line["id"].startswith("cli_") and line["name"] == "Enamel Mug" and line["product_id"].startswith("prod_")
    assert (line["sku_id"], line["qty"], line["unit_price"], line["added_price"]) == (sku, 2, 1250, 1250)
    assert (line["price_changed"], line["available"], line["line_total"]) == (False, 20, 2500)
    assert cart["saved_for_later"] == [] and cart["subtotal"] == 2500
    assert (cart["shipping_estimate"], cart["tax_estimate"], cart["total"]) == (None, None, None)
    again = add(api, sku, 3, guest_headers(cart), cart["id"])
    assert again.status_code == 200
    assert again.json()["cart_token"] is None
    assert [(x["qty"], x["line_total"]) for x in again.json()["lines"]] == [(5, 6250)]


def test_a_customer_has_one_cart_bound_to_them(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku, other = shop.sku(api, db), shop.sku(api, db)
    buyer = customer(api)
    first = add(api, sku, 1, buyer.headers)
    assert first.status_code == 201 and first.json()["cart_token"] is None and first.json()["expires_at"] is None
    second = add(api, other, 1, buyer.headers)
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    shown = api.get(f"/v1/cart/{first.json()['id']}", headers=buyer.headers).json()
    assert [line["sku_id"] for line in shown["lines"]] == [sku, other]


def test_only_the_owner_can_read_or_change_a_cart(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db)
    guest_cart = add(api, sku).json()
    buyer = customer(api)
    buyer_cart = add(api, sku, 1, buyer.headers).json()
    line = guest_cart["lines"][0]["id"]
    stranger = customer(api)
    for headers in ({}, {"X-Cart-Token": "wrong"}, stranger.headers, {"X-Cart-Token": "x" * 300}):
        for method, url, body in (
            ("GET", f"/v1/cart/{guest_cart['id']}", None),
            ("PATCH", f"/v1/cart/{guest_cart['id']}/lines/{line}", {"qty": 2}),
            ("DELETE", f"/v1/cart/{guest_cart['id']}/lines/{line}", None),
            ("POST", f"/v1/cart/{guest_cart['id']}/lines/{line}/save-for-later", None),
            ("GET", f"/v1/cart/{buyer_cart['id']}", None),
        ):
            response = api.request(method, url, json=body, headers=headers)
            assert response.status_code in (404, 422), (method, url, headers)
            if response.status_code == 404:
                assert response.json()["code"] == "not-found"
    assert add(api, sku, 1, stranger.headers, guest_cart["id"]).status_code == 404
    assert add(api, sku, 1, guest_headers(guest_cart), buyer_cart["id"]).status_code == 404
    for cart_id in ("not-a-cart", MISSING_CART):
        assert api.get(f"/v1/cart/{cart_id}", headers=guest_headers(guest_cart)).status_code == 404
    assert api.get(f"/v1/cart/{guest_cart['id']}", headers=guest_headers(guest_cart)).json()["lines"][0]["qty"] == 1


def test_merchant_staff_cannot_shop(api: httpx.Client, shop: Shop, db: Db) -> None:
    response = add(api, shop.sku(api, db), 1, shop.staff.headers)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_qty_must_be_between_one_and_the_per_order_limit(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db, on_hand=50)
    for qty in (0, -1, 11):
        response = add(api, sku, qty)
        assert response.status_code == 422, qty
        assert response.json()["errors"][0]["field"] == "body.qty"
    cart = add(api, sku, 10).json()
    over = add(api, sku, 1, guest_headers(cart), cart["id"])
    assert over.status_code == 422 and over.json()["code"] == "validation-error"
    assert api.get(f"/v1/cart/{cart['id']}", headers=guest_headers(cart)).json()["lines"][0]["qty"] == 10


def test_add_body_is_validated_strictly(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db)
    for body in (
        {"sku_id": sku, "qty": "2"},
        {"sku_id": sku},
        {"qty": 1},
        {"sku_id": sku, "qty": 1, "note": "x"},
        {"sku_id": sku, "qty": 1.5},
    ):
        response = api.post("/v1/cart", json=body)
        assert response.status_code == 422, body
    malformed = api.post("/v1/cart", content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422


def test_unknown_or_retired_skus_cannot_be_added(api: httpx.Client, shop: Shop, db: Db) -> None:
    retired = shop.sku(api, db)
    set_sku_status(db, retired, "archived")
    draft = shop.sku(api, db, product_status="draft")
    for sku in (retired, draft, "sku_00000000000000000000000000", "garbage"):
        response = add(api, sku)
        assert response.status_code == 422, sku
        assert response.json()["errors"][0]["field"] == "body.sku_id"


def test_adding_more_than_is_available_is_out_of_stock_and_adding_reserves_nothing(
    api: httpx.Client, shop: Shop, db: Db, database_url: str
) -> None:
    sku = shop.sku(api, db, on_hand=5)
    hold_stock(database_url, sku_id=sku, qty=2, holder="chk_other")
    refused = add(api, sku, 4)
    assert refused.status_code == 409
    assert refused.json()["code"] == "out-of-stock" and refused.json()["skus"] == [sku]
    cart = add(api, sku, 3).json()
    assert cart["lines"][0]["available"] == 3
    assert add(api, sku, 1, guest_headers(cart), cart["id"]).status_code == 409
    levels = api.get(f"/v1/merchant/skus/{sku}/stock", headers=shop.staff.headers).json()["items"]
    assert (levels[0]["on_hand"], levels[0]["reserved"]) == (5, 2)


def test_price_changes_since_adding_are_flagged(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db, price=1000)
    cart = add(api, sku, 2).json()
    set_sku_price(db, sku, 1200)
    [line] = api.get(f"/v1/cart/{cart['id']}", headers=guest_headers(cart)).json()["lines"]
    assert (line["unit_price"], line["added_price"], line["price_changed"], line["line_total"]) == (
        1200,
        1000,
        True,
        2400,
    )


def test_a_retired_sku_in_the_cart_shows_nothing_available(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db)
    cart = add(api, sku).json()
    set_sku_status(db, sku, "archived")
    assert api.get(f"/v1/cart/{cart['id']}", headers=guest_headers(cart)).json()["lines"][0]["available"] == 0


@pytest.fixture
def rates(db: Db, served_app: ServedApp) -> None:
    """Tax and carrier rates, as an operator would load them; the served app's caches forget older ones."""
    db.execute(
        "INSERT INTO tax_rates (country, region, rate_bps) VALUES ('US', 'CA', 725), ('US', '', 0), ('DE', '', 1900),"
        " ('GB', '', 2000);"
        "INSERT INTO shipping_zones (country, region, zone) VALUES ('US', '', 'domestic'), ('DE', '', 'eu');"
        "INSERT INTO shipping_rates (carrier, zone, max_weight_grams, amount, currency) VALUES"
        " ('usps', 'domestic', 1000, 500, 'usd'), ('usps', 'domestic', 5000, 900, 'usd'),"
        " ('ups', 'domestic', 5000, 800, 'usd'), ('dhl', 'eu', 5000, 2500, 'usd')"
    )
    container = served_app.app.state.container
    container.tax.table.invalidate()
    container.shipping.invalidate()


@pytest.mark.usefixtures("rates")
def test_a_destination_brings_shipping_and_tax_estimates_and_a_total(api: httpx.Client, shop: Shop, db: Db) -> None:
    heavy = shop.sku(api, db, price=2000, weight_grams=1500)
    ebook = shop.sku(api, db, price=500, digital=True, weight_grams=0)
    cart = add(api, heavy, 1).json()
    add(api, ebook, 2, guest_headers(cart), cart["id"])
    url = f"/v1/cart/{cart['id']}"
    shown = api.get(
        url, params={"country": "us", "region": "ca", "postal_code": "94110"}, headers=guest_headers(cart)
    ).json()
    assert shown["subtotal"] == 3000
    assert shown["shipping_estimate"] == 800  # the cheapest carrier for 1.5 kg (the e-book weighs nothing)
    assert shown["tax_estimate"] == 145 + 73  # 7.25 % per line, rounded half up: 2000 -> 145, 1000 -> 72.5 -> 73
    assert shown["total"] == 3000 + 800 + 218
    abroad = api.get(url, params={"country": "DE"}, headers=guest_headers(cart)).json()
    assert (abroad["shipping_estimate"], abroad["tax_estimate"], abroad["total"]) == (2500, 570, 3000 + 2500 + 570)
    nowhere = api.get(url, params={"country": "JP"}, headers=guest_headers(cart)).json()
    assert (nowhere["shipping_estimate"], nowhere["tax_estimate"], nowhere["total"]) == (None, 0, None)
    for bad in ({"country": "USA"}, {"country": "U1"}, {"country": "US", "region": "x" * 65}):
        assert api.get(url, params=bad, headers=guest_headers(cart)).status_code == 422


@pytest.mark.usefixtures("rates")
def test_digital_only_cart_ships_for_free(api: httpx.Client, shop: Shop, db: Db) -> None:
    cart = add(api, shop.sku(api, db, price=500, digital=True)).json()
    shown = api.get(f"/v1/cart/{cart['id']}", params={"country": "GB"}, headers=guest_headers(cart)).json()
    assert (shown["shipping_estimate"], shown["tax_estimate"], shown["total"]) == (0, 100, 600)


def test_line_qty_changes_within_limit_and_availability(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db, on_hand=6)
    cart = add(api, sku, 2).json()
    line_url = f"/v1/cart/{cart['id']}/lines/{cart['lines'][0]['id']}"
    headers = guest_headers(cart)
    assert api.patch(line_url, json={"qty": 6}, headers=headers).json()["lines"][0]["qty"] == 6
    refused = api.patch(line_url, json={"qty": 7}, headers=headers)
    assert refused.status_code == 409 and refused.json()["code"] == "out-of-stock"
    assert api.patch(line_url, json={"qty": 11}, headers=headers).status_code == 422
    assert api.patch(line_url, json={"qty": 0}, headers=headers).status_code == 422
    assert api.patch(line_url, json={"qty": 1}, headers=headers).json()["subtotal"] == 1999
    missing = api.patch(f"/v1/cart/{cart['id']}/lines/cli_00000000000000000000000000", json={"qty": 1}, headers=headers)
    assert missing.status_code == 404


def test_lines_are_deleted(api: httpx.Client, shop: Shop, db: Db) -> None:
    cart = add(api, shop.sku(api, db)).json()
    line_url = f"/v1/cart/{cart['id']}/lines/{cart['lines'][0]['id']}"
    assert api.delete(line_url, headers=guest_headers(cart)).status_code == 204
    assert api.delete(line_url, headers=guest_headers(cart)).status_code == 404
    shown = api.get(f"/v1/cart/{cart['id']}", headers=guest_headers(cart)).json()
    assert shown["lines"] == [] and shown["subtotal"] == 0


def test_save_for_later_and_move_back_to_cart(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku, other = shop.sku(api, db, on_hand=4), shop.sku(api, db)
    cart = add(api, sku, 3).json()
    headers = guest_headers(cart)
    add(api, other, 1, headers, cart["id"])
    line_id = cart["lines"][0]["id"]
    saved = api.post(f"/v1/cart/{cart['id']}/lines/{line_id}/save-for-later", headers=headers).json()
    assert [x["sku_id"] for x in saved["lines"]] == [other]
    assert [(x["id"], x["qty"]) for x in saved["saved_for_later"]] == [(line_id, 3)]
    assert saved["subtotal"] == 1999
    assert api.post(f"/v1/cart/{cart['id']}/lines/{line_id}/save-for-later", headers=headers).status_code == 404
    add(api, sku, 2, headers, cart["id"])
    blocked = api.post(f"/v1/cart/{cart['id']}/saved/{line_id}/move-to-cart", headers=headers)
    assert blocked.status_code == 409 and blocked.json()["skus"] == [sku]  # 2 in the cart + 3 saved > 4 in stock
    in_cart = api.get(f"/v1/cart/{cart['id']}", headers=headers).json()["lines"]
    again = api.post(f"/v1/cart/{cart['id']}/lines/{in_cart[-1]['id']}/save-for-later", headers=headers).json()
    assert [(x["sku_id"], x["qty"]) for x in again["saved_for_later"]] == [(sku, 5)]
    moved = api.post(f"/v1/cart/{cart['id']}/saved/{line_id}/move-to-cart", headers=headers)
    assert moved.status_code == 409
    saved_patch = api.patch(f"/v1/cart/{cart['id']}/lines/{line_id}", json={"qty": 1}, headers=headers)
    assert saved_patch.status_code == 404  # /lines/ addresses cart lines; a saved line is under /saved/
    response = api.delete(f"/v1/cart/{cart['id']}/lines/{line_id}", headers=headers)
    assert response.status_code == 204
    assert api.get(f"/v1/cart/{cart['id']}", headers=headers).json()["saved_for_later"] == []


def test_moving_a_saved_line_back_merges_with_the_cart_line(api: httpx.Client, shop: Shop, db: Db) -> None:
    sku = shop.sku(api, db)
    cart = add(api, sku, 2).json()
    headers = guest_headers(cart)
    line_id = cart["lines"][0]["id"]
    api.post(f"/v1/cart/{cart['id']}/lines/{line_id}/save-for-later", headers=headers)
    add(api, sku, 1, headers, cart["id"])
    moved = api.post(f"/v1/cart/{cart['id']}/saved/{line_id}/move-to-cart", headers=headers).json()
    assert [(x["sku_id"], x["qty"]) for x in moved["lines"]] == [(sku, 3)]
    assert moved["saved_for_later"] == []


def test_a_cart_holds_one_currency(api: httpx.Client, shop: Shop, db: Db) -> None:
    dollars, euros = shop.sku(api, db), shop.sku(api, db, currency="eur")
    cart = add(api, dollars).json()
    refused = add(api, euros, 1, guest_headers(cart), cart["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    api.delete(f"/v1/cart/{cart['id']}/lines/{cart['lines'][0]['id']}", headers=guest_headers(cart))
    assert add(api, euros, 1, guest_headers(cart), cart["id"]).json()["currency"] == "eur"


def test_cart_and_stock_endpoints_are_in_the_openapi_document(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/cart",
        "/v1/cart/{cart_id}",
        "/v1/cart/{cart_id}/lines/{line_id}",
        "/v1/cart/{cart_id}/lines/{line_id}/save-for-later",
        "/v1/cart/{cart_id}/saved/{line_id}/move-to-cart",
        "/v1/cart/{cart_id}/claim",
        "/v1/merchant/warehouses",
        "/v1/merchant/skus/{sku_id}/stock",
        "/v1/merchant/skus/{sku_id}/stock/{warehouse_id}",
        "/v1/merchant/skus/{sku_id}/stock/{warehouse_id}/adjustments",
        "/v1/merchant/skus/{sku_id}/ledger",
    ):
        assert path in paths, path
