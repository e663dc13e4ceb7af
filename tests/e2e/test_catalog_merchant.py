"""Merchants manage their products over HTTP: create, edit, archive, SKUs and prices, and nothing more."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from tests.catalog_factories import (
    list_all_pages,
    make_brand,
    make_category,
    make_product,
    product_payload,
    sku_payload,
)
from tests.factories import Account, customer, merchant_staff

Db = psycopg.Connection[tuple[Any, ...]]


@dataclass
class Setup:
    staff: Account
    brand: str
    category: str


@pytest.fixture
def setup(api: httpx.Client, database_url: str) -> Setup:
    return Setup(
        staff=merchant_staff(api, database_url, merchant_name="Maker & Co"),
        brand=make_brand(database_url),
        category=make_category(database_url),
    )


def _count(db: Db, table: str) -> int:
    row = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def _events(db: Db, event_type: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT payload FROM outbox WHERE event_type = %s ORDER BY seq", (event_type,)).fetchall()
    return [row[0] for row in rows]


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def _fields(response: httpx.Response) -> set[str]:
    body = _problem(response, 422, "validation-error")
    return {error["field"] for error in body["errors"]}


# --- creating -----------------------------------------------------------------------------------


def test_created_product_is_active_listed_and_holds_no_stock(api: httpx.Client, setup: Setup, db: Db) -> None:
    payload = product_payload(
        brand=setup.brand,
        category=setup.category,
        name="Linen Shirt",
        skus=[
            {"code": "SHIRT-S", "price": 4900, "attributes": {"size": "S", "organic": True}},
            {"code": "SHIRT-M", "price": 5200, "currency": "USD", "attributes": {"size": "M"}, "weight_grams": 300},
        ],
    )
    response = api.post("/v1/merchant/products", json=payload, headers=setup.staff.headers)
    assert response.status_code == 201, response.text
    product = response.json()
    assert product["object"] == "product" and product["id"].startswith("prod_")
    assert product["status"] == "active" and product["slug"] == "linen-shirt"
    assert product["currency"] == "usd" and (product["price_min"], product["price_max"]) == (4900, 5200)
    assert product["merchant"] == {"id": setup.staff.merchant_id, "name": "Maker & Co"}
    assert [(sku["code"], sku["available"]) for sku in product["skus"]] == [("SHIRT-S", 0), ("SHIRT-M", 0)]
    assert {sku["code"]: sku["attributes"] for sku in product["skus"]}["SHIRT-S"] == {"size": "S", "organic": True}
    assert all(sku["id"].startswith("sku_") and sku["currency"] == "usd" for sku in product["skus"])
    assert _count(db, "inventory") == 0
    listed = api.get("/v1/products").json()["items"]
    assert [item["id"] for item in listed] == [product["id"]]
    (created,) = _events(db, "product.created")
    assert created["product_id"] == product["id"] and created["merchant_id"] == setup.staff.merchant_id
    assert sorted(e["code"] for e in _events(db, "sku.created")) == ["SHIRT-M", "SHIRT-S"]


def test_skus_are_shown_in_the_order_the_merchant_gave_them(api: httpx.Client, setup: Setup) -> None:
    codes = [f"SIZE-{size}" for size in ("XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL")]
    product = make_product(
        api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"code": code} for code in codes]
    )
    assert [sku["code"] for sku in product["skus"]] == codes
    assert [sku["code"] for sku in api.get(f"/v1/products/{product['id']}").json()["skus"]] == codes


def test_draft_is_not_public_until_activated(api: httpx.Client, setup: Setup) -> None:
    draft = make_product(api, setup.staff, brand=setup.brand, category=setup.category, status="draft")
    assert draft["status"] == "draft"
    assert api.get("/v1/products").json()["items"] == []
    assert api.get(f"/v1/products/{draft['id']}").status_code == 404
    mine = api.get(f"/v1/merchant/products/{draft['id']}", headers=setup.staff.headers)
    assert mine.status_code == 200 and mine.json()["status"] == "draft"
    activated = api.patch(
        f"/v1/merchant/products/{draft['id']}", json={"status": "active"}, headers=setup.staff.headers
    )
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert [item["id"] for item in api.get("/v1/products").json()["items"]] == [draft["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"brand": "no-such-brand"}, "body.brand"),
        ({"category": "no-such-category"}, "body.category"),
        ({"brand": "Not A Slug"}, "body.brand"),
        ({"name": ""}, "body.name"),
        ({"name": 42}, "body.name"),
        ({"name": "a\x00b"}, "body.name"),
        ({"status": "archived"}, "body.status"),
        ({"colour": "red"}, "body.colour"),
        ({"skus": []}, "body.skus"),
        ({"skus": None}, "body.skus"),
        ({"skus": [sku_payload(price=-1)]}, "body.skus.0.price"),
        ({"skus": [sku_payload(price="100")]}, "body.skus.0.price"),
        ({"skus": [sku_payload(price=10.5)]}, "body.skus.0.price"),
        ({"skus": [sku_payload(price=10**12)]}, "body.skus.0.price"),
        ({"skus": [sku_payload(currency="dollars")]}, "body.skus.0.currency"),
        ({"skus": [sku_payload(weight_grams=-5)]}, "body.skus.0.weight_grams"),
        ({"skus": [sku_payload(digital="yes")]}, "body.skus.0.digital"),
        ({"skus": [sku_payload(attributes={"size": {"nested": 1}})]}, "body.skus.0.attributes.size"),
        ({"skus": [sku_payload(), sku_payload(currency="eur")]}, "body.skus.1.currency"),
        ({"skus": [sku_payload(code="SAME"), sku_payload(code="SAME")]}, "body.skus.1.code"),
        ({"skus": [sku_payload(), sku_payload(), sku_payload(price=-100)]}, "body.skus.2.price"),
        ({"skus": [{**sku_payload(), "colour": "red"}]}, "body.skus.0.colour"),
    ],
)
def test_invalid_product_is_refused_and_nothing_is_written(
    api: httpx.Client, setup: Setup, db: Db, change: dict[str, Any], field: str
) -> None:
    payload = {**product_payload(brand=setup.brand, category=setup.category, skus=[{}, {}]), **change}
    outbox_before = _count(db, "outbox")
    response = api.post("/v1/merchant/products", json=payload, headers=setup.staff.headers)
    assert field in _fields(response), response.text
    assert _count(db, "products") == _count(db, "skus") == 0
    assert _count(db, "outbox") == outbox_before


def test_body_over_one_mebibyte_is_payload_too_large_and_writes_nothing(
    api: httpx.Client, setup: Setup, db: Db
) -> None:
    payload = product_payload(brand=setup.brand, category=setup.category, description="x" * (1024 * 1024))
    response = api.post("/v1/merchant/products", json=payload, headers=setup.staff.headers)
    _problem(response, 413, "payload-too-large")
    assert _count(db, "products") == 0


def test_malformed_json_is_a_validation_error(api: httpx.Client, setup: Setup, db: Db) -> None:
    response = api.post(
        "/v1/merchant/products",
        content=b'{"name": "Broken", "skus": [',
        headers={**setup.staff.headers, "Content-Type": "application/json"},
    )
    _problem(response, 422, "validation-error")
    assert _count(db, "products") == 0


def test_sku_code_already_used_by_the_merchant_is_already_exists_and_writes_nothing(
    api: httpx.Client, setup: Setup, db: Db, database_url: str
) -> None:
    make_product(api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"code": "MUG-1"}])
    before = (_count(db, "products"), _count(db, "skus"), _count(db, "outbox"))
    payload = product_payload(brand=setup.brand, category=setup.category, skus=[{"code": "NEW-1"}, {"code": "MUG-1"}])
    response = api.post("/v1/merchant/products", json=payload, headers=setup.staff.headers)
    body = _problem(response, 409, "already-exists")
    assert body["codes"] == ["MUG-1"]
    assert (_count(db, "products"), _count(db, "skus"), _count(db, "outbox")) == before
    # Codes are per merchant: another merchant may use the same one.
    other = merchant_staff(api, database_url)
    make_product(api, other, brand=setup.brand, category=setup.category, skus=[{"code": "MUG-1"}])


# --- who may do what ------------------------------------------------------------------------------


def _merchant_calls(product_id: str, sku_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every merchant catalog endpoint that addresses a product or SKU, with a valid request."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    return [
        ("GET", f"/v1/merchant/products/{product_id}", {}),
        ("PATCH", f"/v1/merchant/products/{product_id}", {"json": {"name": "Hijacked"}}),
        ("POST", f"/v1/merchant/products/{product_id}/archive", {}),
        ("POST", f"/v1/merchant/products/{product_id}/skus", {"json": sku_payload()}),
        ("PATCH", f"/v1/merchant/skus/{sku_id}", {"json": {"price": 1}}),
        ("POST", f"/v1/merchant/products/{product_id}/images", {"files": {"file": ("a.png", png, "image/png")}}),
    ]


def test_another_merchants_product_is_not_found_on_every_endpoint(
    api: httpx.Client, setup: Setup, database_url: str, db: Db
) -> None:
    theirs = make_product(api, setup.staff, brand=setup.brand, category=setup.category)
    intruder = merchant_staff(api, database_url, merchant_name="Intruder Ltd")
    outbox_before = _count(db, "outbox")
    for method, path, kwargs in _merchant_calls(theirs["id"], theirs["skus"][0]["id"]):
        response = api.request(method, path, headers=intruder.headers, **kwargs)
        _problem(response, 404, "not-found")
    assert api.get("/v1/merchant/products", headers=intruder.headers).json()["items"] == []
    unchanged = api.get(f"/v1/merchant/products/{theirs['id']}", headers=setup.staff.headers).json()
    assert unchanged == theirs | {"updated_at": unchanged["updated_at"]}
    assert _count(db, "outbox") == outbox_before and _count(db, "product_images") == 0


def test_unknown_and_malformed_ids_are_not_found(api: httpx.Client, setup: Setup) -> None:
    for product_id, sku_id in (
        ("prod_01m88ygp94fs7y0ndj6jzbrjpc", "sku_01m88ygp94fs7y0ndj6jzbrjpc"),
        ("not-an-id", "sku_"),
        ("sku_01m88ygp94fs7y0ndj6jzbrjpc", "prod_01m88ygp94fs7y0ndj6jzbrjpc"),
    ):
        for method, path, kwargs in _merchant_calls(product_id, sku_id):
            response = api.request(method, path, headers=setup.staff.headers, **kwargs)
            _problem(response, 404, "not-found")


def test_customers_are_forbidden_and_anonymous_callers_unauthenticated(api: httpx.Client, setup: Setup, db: Db) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category)
    buyer = customer(api)
    calls = [
        *_merchant_calls(product["id"], product["skus"][0]["id"]),
        ("GET", "/v1/merchant/products", {}),
        (
            "POST",
            "/v1/merchant/products",
            {"json": product_payload(brand=setup.brand, category=setup.category)},
        ),
    ]
    outbox_before = _count(db, "outbox")
    for method, path, kwargs in calls:
        _problem(api.request(method, path, headers=buyer.headers, **kwargs), 403, "forbidden")
        _problem(api.request(method, path, **kwargs), 401, "unauthenticated")
        garbage = {"Authorization": "Bearer not.a.token"}
        _problem(api.request(method, path, headers=garbage, **kwargs), 401, "unauthenticated")
    assert _count(db, "products") == 1 and _count(db, "outbox") == outbox_before


# --- the merchant's own list --------------------------------------------------------------------


def test_merchant_lists_only_its_own_products_in_every_status(
    api: httpx.Client, setup: Setup, database_url: str
) -> None:
    mine = [make_product(api, setup.staff, brand=setup.brand, category=setup.category)["id"] for _ in range(5)]
    draft = make_product(api, setup.staff, brand=setup.brand, category=setup.category, status="draft")["id"]
    archived = make_product(api, setup.staff, brand=setup.brand, category=setup.category)["id"]
    api.post(f"/v1/merchant/products/{archived}/archive", headers=setup.staff.headers)
    other = merchant_staff(api, database_url)
    make_product(api, other, brand=setup.brand, category=setup.category)
    walked = list_all_pages(api, "/v1/merchant/products", {"limit": 2}, headers=setup.staff.headers)
    assert [item["id"] for item in walked] == [archived, draft, *reversed(mine)]  # newest first
    drafts = api.get("/v1/merchant/products", params={"status": "draft"}, headers=setup.staff.headers)
    assert [item["id"] for item in drafts.json()["items"]] == [draft]
    bad = api.get("/v1/merchant/products", params={"status": "deleted"}, headers=setup.staff.headers)
    assert "query.status" in _fields(bad)
    _problem(
        api.get("/v1/merchant/products", params={"limit": 101}, headers=setup.staff.headers), 422, "validation-error"
    )
    tampered = api.get("/v1/merchant/products", params={"cursor": "abc"}, headers=setup.staff.headers)
    _problem(tampered, 422, "invalid-cursor")


# --- editing --------------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(api: httpx.Client, setup: Setup, database_url: str, db: Db) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category, description="Old text")
    new_brand, new_category = make_brand(database_url), make_category(database_url)
    response = api.patch(
        f"/v1/merchant/products/{product['id']}",
        json={"name": "Better Name", "brand": new_brand, "category": new_category},
        headers=setup.staff.headers,
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "Better Name" and patched["slug"] == "better-name"
    assert patched["brand"]["slug"] == new_brand and patched["category"]["slug"] == new_category
    assert patched["description"] == "Old text" and patched["skus"] == product["skus"]
    (event,) = _events(db, "product.updated")
    assert event["fields"] == ["brand_id", "category_id", "name", "slug"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"brand": "no-such-brand", "name": "Changed"}, "body.brand"),
        ({"name": None}, "body"),
        ({"status": "archived"}, "body.status"),
        ({"price": 100}, "body.price"),
        ({"name": ["list"]}, "body.name"),
    ],
)
def test_invalid_patch_changes_nothing(
    api: httpx.Client, setup: Setup, db: Db, body: dict[str, Any], field: str
) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category)
    response = api.patch(f"/v1/merchant/products/{product['id']}", json=body, headers=setup.staff.headers)
    assert field in _fields(response)
    after = api.get(f"/v1/merchant/products/{product['id']}", headers=setup.staff.headers).json()
    assert after["name"] == product["name"] and after["brand"] == product["brand"]
    assert _events(db, "product.updated") == []


def test_archived_product_leaves_the_catalog_and_is_frozen(api: httpx.Client, setup: Setup, db: Db) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category)
    archived = api.post(f"/v1/merchant/products/{product['id']}/archive", headers=setup.staff.headers)
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert api.get("/v1/products").json()["items"] == []
    again = api.post(f"/v1/merchant/products/{product['id']}/archive", headers=setup.staff.headers)
    assert again.status_code == 200 and again.json()["status"] == "archived"
    assert len(_events(db, "product.archived")) == 1
    sku_id = product["skus"][0]["id"]
    for method, path, kwargs in (
        ("PATCH", f"/v1/merchant/products/{product['id']}", {"json": {"status": "active"}}),
        ("POST", f"/v1/merchant/products/{product['id']}/skus", {"json": sku_payload()}),
        ("PATCH", f"/v1/merchant/skus/{sku_id}", {"json": {"price": 1}}),
    ):
        _problem(api.request(method, path, headers=setup.staff.headers, **kwargs), 409, "conflict")
    assert api.get(f"/v1/merchant/products/{product['id']}", headers=setup.staff.headers).json()["status"] == "archived"


# --- SKUs and prices ------------------------------------------------------------------------------


def test_added_sku_widens_the_price_range(api: httpx.Client, setup: Setup, db: Db) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"price": 2000}])
    response = api.post(
        f"/v1/merchant/products/{product['id']}/skus",
        json=sku_payload(code="CHEAP", price=800, attributes={"size": "XS"}, digital=True),
        headers=setup.staff.headers,
    )
    assert response.status_code == 201, response.text
    sku = response.json()
    assert sku["object"] == "sku" and sku["id"].startswith("sku_") and sku["product_id"] == product["id"]
    assert sku["available"] == 0 and sku["digital"] is True and sku["status"] == "active"
    public = api.get(f"/v1/products/{product['id']}").json()
    assert (public["price_min"], public["price_max"]) == (800, 2000)
    assert any(event["sku_id"] == sku["id"] for event in _events(db, "sku.created"))


def test_added_sku_must_match_currency_and_have_a_new_code(api: httpx.Client, setup: Setup, db: Db) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"code": "A-1"}])
    path = f"/v1/merchant/products/{product['id']}/skus"
    foreign = api.post(path, json=sku_payload(currency="eur"), headers=setup.staff.headers)
    assert "body.currency" in _fields(foreign)
    taken = api.post(path, json=sku_payload(code="A-1"), headers=setup.staff.headers)
    _problem(taken, 409, "already-exists")
    negative = api.post(path, json=sku_payload(price=-1), headers=setup.staff.headers)
    assert "body.price" in _fields(negative)
    assert _count(db, "skus") == 1


def test_price_change_moves_the_range_and_is_announced(api: httpx.Client, setup: Setup, db: Db) -> None:
    product = make_product(
        api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"price": 1000}, {"price": 3000}]
    )
    cheap = next(sku for sku in product["skus"] if sku["price"] == 1000)
    response = api.patch(
        f"/v1/merchant/skus/{cheap['id']}",
        json={"price": 5000, "attributes": {"colour": "red"}, "weight_grams": 1200},
        headers=setup.staff.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**cheap, "price": 5000, "attributes": {"colour": "red"}, "weight_grams": 1200}
    public = api.get(f"/v1/products/{product['id']}").json()
    assert (public["price_min"], public["price_max"]) == (3000, 5000)
    (event,) = _events(db, "sku.updated")
    assert event["sku_id"] == cheap["id"] and event["price"] == 5000 and event["previous_price"] == 1000
    assert event["currency"] == "usd"


def test_product_without_an_active_sku_is_not_listed(api: httpx.Client, setup: Setup) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category)
    sku_id = product["skus"][0]["id"]
    archived = api.patch(f"/v1/merchant/skus/{sku_id}", json={"status": "archived"}, headers=setup.staff.headers)
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    mine = api.get(f"/v1/merchant/products/{product['id']}", headers=setup.staff.headers).json()
    assert mine["price_min"] is None and mine["price_max"] is None
    assert [sku["status"] for sku in mine["skus"]] == ["archived"]
    assert api.get("/v1/products").json()["items"] == []
    restored = api.patch(f"/v1/merchant/skus/{sku_id}", json={"status": "active"}, headers=setup.staff.headers)
    assert restored.status_code == 200
    assert [item["id"] for item in api.get("/v1/products").json()["items"]] == [product["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"price": -1}, "body.price"),
        ({"price": "12"}, "body.price"),
        ({"price": None}, "body"),
        ({"status": "deleted"}, "body.status"),
        ({"currency": "eur"}, "body.currency"),
        ({"weight_grams": 1.5}, "body.weight_grams"),
    ],
)
def test_invalid_sku_patch_changes_nothing(
    api: httpx.Client, setup: Setup, db: Db, body: dict[str, Any], field: str
) -> None:
    product = make_product(api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"price": 700}])
    response = api.patch(f"/v1/merchant/skus/{product['skus'][0]['id']}", json=body, headers=setup.staff.headers)
    assert field in _fields(response)
    assert api.get(f"/v1/products/{product['id']}").json()["skus"] == product["skus"]
    assert _events(db, "sku.updated") == []


def test_concurrent_price_changes_leave_the_range_exact(api: httpx.Client, setup: Setup, db: Db) -> None:
    """Each write recomputes the range after locking the product: none works from a stale view of the others."""
    product = make_product(
        api, setup.staff, brand=setup.brand, category=setup.category, skus=[{"price": 5000} for _ in range(12)]
    )
    new_prices = {sku["id"]: 100 * (i + 1) for i, sku in enumerate(product["skus"])}

    def patch(sku_id: str) -> int:
        with httpx.Client(base_url=str(api.base_url), timeout=30) as client:
            return client.patch(
                f"/v1/merchant/skus/{sku_id}", json={"price": new_prices[sku_id]}, headers=setup.staff.headers
            ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(patch, new_prices)) == {200}
    row = db.execute("SELECT price_min, price_max FROM products WHERE id = %s", (product["id"],)).fetchone()
    assert row == (100, 1200)
