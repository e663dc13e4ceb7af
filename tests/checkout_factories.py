"""A small marketplace for checkout tests, built through the real merchant, cart and admin paths."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from tests.catalog_factories import make_brand, make_category, make_product, sku_payload
from tests.factories import Account, customer, merchant_staff

ADDRESS = {
    "name": "Ada Buyer",
    "line1": "1 Congress Ave",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "country": "US",
}


def install_rates(database_url: str) -> None:
    """Shipping zones and carrier rates, and Texas sales tax (8.25 % in Austin, 6.25 % elsewhere)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO shipping_zones (country, region, zone) VALUES ('US', '', 'domestic'), ('*', '', 'intl')"
            " ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO shipping_rates (carrier, zone, max_weight_grams, amount, currency) VALUES"
            " ('ups', 'domestic', 2000, 500, 'usd'), ('ups', 'domestic', 20000, 1500, 'usd'),"
            " ('dhl', 'intl', 20000, 4000, 'usd') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO tax_rates (country, region, postal_prefix, rate_bps) VALUES"
            " ('US', 'TX', '', 625), ('US', 'TX', '787', 825) ON CONFLICT DO NOTHING"
        )


@dataclass
class Shop:
    """One merchant with a warehouse and products, ready to sell."""

    staff: Account
    warehouse_id: str
    skus: dict[str, dict[str, Any]]  # code -> sku as the API answered


def open_shop(
    api: httpx.Client,
    database_url: str,
    *,
    items: dict[str, tuple[int, int]],
    digital: frozenset[str] = frozenset(),
    region: str = "TX",
) -> Shop:
    """A merchant selling `items` (code -> (price, stock)) from one warehouse; digital codes weigh nothing."""
    staff = merchant_staff(api, database_url)
    brand, category = make_brand(database_url), make_category(database_url)
    warehouse = api.post(
        "/v1/merchant/warehouses",
        json={"name": "Main", "country": "US", "region": region, "priority": 1},
        headers=staff.headers,
    )
    assert warehouse.status_code == 201, warehouse.text
    warehouse_id = warehouse.json()["id"]
    skus: dict[str, dict[str, Any]] = {}
    for code, (price, stock) in items.items():
        is_digital = code in digital
        product = make_product(
            api,
            staff,
            brand=brand,
            category=category,
            name=f"Product {code}",
            skus=[
                sku_payload(
                    code=f"{code}-{uuid.uuid4().hex[:6]}",
                    price=price,
                    weight_grams=0 if is_digital else 400,
                    digital=is_digital,
                )
            ],
        )
        sku = product["skus"][0]
        put = api.put(
            f"/v1/merchant/skus/{sku['id']}/stock/{warehouse_id}", json={"on_hand": stock}, headers=staff.headers
        )
        assert put.status_code == 200, put.text
        skus[code] = sku
    return Shop(staff=staff, warehouse_id=warehouse_id, skus=skus)


def fill_cart(api: httpx.Client, buyer: Account, lines: list[tuple[str, int]]) -> str:
    """Add `(sku_id, qty)` lines to the buyer's cart; returns the cart id."""
    cart_id: str | None = None
    for sku_id, qty in lines:
        body: dict[str, Any] = {"sku_id": sku_id, "qty": qty}
        if cart_id:
            body["cart_id"] = cart_id
        response = api.post("/v1/cart", json=body, headers=buyer.headers)
        assert response.status_code in (200, 201), response.text
        cart_id = response.json()["id"]
    assert cart_id is not None
    return cart_id


def checkout_body(cart_id: str, **extra: Any) -> dict[str, Any]:
    """A checkout request for `cart_id` paying with Stripe's always-succeeding test card."""
    return {"cart_id": cart_id, "shipping_address": ADDRESS, "payment_method_token": "pm_card_visa", **extra}


def check_out(api: httpx.Client, buyer: Account, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    """POST /v1/checkout with an Idempotency-Key (a fresh one unless given)."""
    return api.post("/v1/checkout", json=body, headers={**buyer.headers, "Idempotency-Key": key or uuid.uuid4().hex})


def new_buyer(api: httpx.Client) -> Account:
    """A signed-in customer."""
    return customer(api)
