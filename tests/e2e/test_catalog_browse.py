"""Browsing the catalog over HTTP: the product shape, every filter, every sort order, and paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.paging import CursorCodec
from mercato.search import SearchRequest, search_products
from tests.catalog_factories import (
    list_all_pages,
    make_brand,
    make_category,
    make_product,
    put_stock_directly_in_db,
)
from tests.factories import Account, customer, merchant_staff


@dataclass
class Shop:
    """A small catalog: two merchants, three brands, a category tree, listed and unlisted products."""

    north: Account
    south: Account
    products: dict[str, dict[str, Any]]


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def shop(api: httpx.Client, database_url: str) -> Shop:
    north = merchant_staff(api, database_url, merchant_name="North Supply")
    south = merchant_staff(api, database_url, merchant_name="South Traders")
    for slug in ("acme", "zenith", "other"):
        make_brand(database_url, slug=slug)
    make_category(database_url, slug="home")
    make_category(database_url, slug="kitchen", parent="home")
    make_category(database_url, slug="knives", parent="kitchen")
    make_category(database_url, slug="garden")
    p: dict[str, dict[str, Any]] = {}
    p["knife"] = make_product(
        api,
        north,
        name="Chef Knife",
        brand="acme",
        category="knives",
        skus=[{"price": 1500, "attributes": {"blade": "15cm"}}, {"price": 3000, "attributes": {"blade": "20cm"}}],
    )
    p["pan"] = make_product(api, north, name="Frying Pan", brand="zenith", category="kitchen", skus=[{"price": 2500}])
    p["chair"] = make_product(api, south, name="Armchair", brand="acme", category="home", skus=[{"price": 9000}])
    p["hose"] = make_product(api, south, name="Garden Hose", brand="other", category="garden", skus=[{"price": 500}])
    p["draft"] = make_product(api, north, brand="acme", category="kitchen", status="draft", skus=[{"price": 100}])
    p["archived"] = make_product(api, north, brand="acme", category="kitchen", skus=[{"price": 100}])
    archived = api.post(f"/v1/merchant/products/{p['archived']['id']}/archive", headers=north.headers)
    assert archived.status_code == 200
    put_stock_directly_in_db(
        database_url, sku_id=p["knife"]["skus"][0]["id"], merchant_id=north.merchant_id or "", on_hand=5, reserved=2
    )
    put_stock_directly_in_db(
        database_url, sku_id=p["hose"]["skus"][0]["id"], merchant_id=south.merchant_id or "", on_hand=3, reserved=3
    )
    return Shop(north=north, south=south, products=p)


def test_a_listed_product_has_the_full_product_shape(api: httpx.Client, shop: Shop) -> None:
    response = api.get("/v1/products", params={"category": "knives"})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list" and body["next_cursor"] is None
    (item,) = body["items"]
    assert item["id"] == shop.products["knife"]["id"] and item["id"].startswith("prod_")
    assert item["object"] == "product"
    assert item["name"] == "Chef Knife" and item["slug"] == "chef-knife"
    assert item["brand"] == {"slug": "acme", "name": "Acme"}
    assert item["category"] == {"slug": "knives", "name": "Knives", "path": "home/kitchen/knives"}
    assert item["merchant"] == {"id": shop.north.merchant_id, "name": "North Supply"}
    assert item["rating"] == {"average": 0.0, "count": 0}
    assert item["currency"] == "usd" and item["price_min"] == 1500 and item["price_max"] == 3000
    assert item["images"] == [] and item["status"] == "active"
    assert item["created_at"].endswith("Z") and item["updated_at"].endswith("Z")
    assert [sku["price"] for sku in item["skus"]] == [1500, 3000]  # in the order the merchant gave them
    stocked = item["skus"][0]
    assert stocked["available"] == 3  # 5 on hand, 2 reserved
    assert stocked["attributes"] == {"blade": "15cm"}
    assert stocked["currency"] == "usd" and stocked["digital"] is False and stocked["weight_grams"] == 250
    assert next(sku for sku in item["skus"] if sku["price"] == 3000)["available"] == 0


def test_list_items_carry_the_same_fields_as_the_detail(api: httpx.Client, shop: Shop) -> None:
    listed = api.get("/v1/products", params={"category": "knives"}).json()["items"][0]
    detail = api.get(f"/v1/products/{listed['id']}").json()
    assert detail.pop("reviews") == {"object": "list", "items": [], "next_cursor": None}
    assert detail == listed


def test_only_active_products_are_listed(api: httpx.Client, shop: Shop) -> None:
    listed = _ids(api.get("/v1/products"))
    assert listed == {shop.products[name]["id"] for name in ("knife", "pan", "chair", "hose")}


@pytest.mark.parametrize("name", ["draft", "archived"])
def test_draft_and_archived_products_are_not_found_publicly(api: httpx.Client, shop: Shop, name: str) -> None:
    product_id = shop.products[name]["id"]
    for path in (f"/v1/products/{product_id}", f"/v1/products/{product_id}/reviews"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not-found"


@pytest.mark.parametrize(
    "product_id", ["prod_01m88ygp94fs7y0ndj6jzbrjpc", "nope", "sku_01m88ygp94fs7y0ndj6jzbrjpc", "'"]
)
def test_unknown_or_malformed_product_id_is_not_found(api: httpx.Client, product_id: str) -> None:
    response = api.get(f"/v1/products/{product_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("home", {"knife", "pan", "chair"}),
        ("kitchen", {"knife", "pan"}),
        ("knives", {"knife"}),
        ("garden", {"hose"}),
        ("no-such-category", set()),
    ],
)
def test_category_filter_includes_sub_categories(
    api: httpx.Client, shop: Shop, category: str, expected: set[str]
) -> None:
    assert _ids(api.get("/v1/products", params={"category": category})) == {
        shop.products[name]["id"] for name in expected
    }


def test_brand_filter_takes_several_brands(api: httpx.Client, shop: Shop) -> None:
    p = shop.products
    assert _ids(api.get("/v1/products", params={"brand": "zenith"})) == {p["pan"]["id"]}
    both = api.get("/v1/products", params=[("brand", "acme"), ("brand", "zenith")])
    assert _ids(both) == {p["knife"]["id"], p["pan"]["id"], p["chair"]["id"]}


def test_merchant_filter_lists_one_merchants_products(api: httpx.Client, shop: Shop) -> None:
    p = shop.products
    assert _ids(api.get("/v1/products", params={"merchant": shop.south.merchant_id})) == {
        p["chair"]["id"],
        p["hose"]["id"],
    }
    assert _ids(api.get("/v1/products", params={"merchant": "mer_nonsense"})) == set()


def test_price_filter_needs_one_active_sku_inside_the_window(api: httpx.Client, shop: Shop) -> None:
    p = shop.products
    # The knife has SKUs at 1500 and 3000: its range overlaps 2000..2600 but no SKU lies inside.
    assert _ids(api.get("/v1/products", params={"min_price": 2000, "max_price": 2600})) == {p["pan"]["id"]}
    assert _ids(api.get("/v1/products", params={"min_price": 2800})) == {p["knife"]["id"], p["chair"]["id"]}
    assert _ids(api.get("/v1/products", params={"max_price": 500})) == {p["hose"]["id"]}
    assert _ids(api.get("/v1/products", params={"min_price": 1500, "max_price": 1500})) == {p["knife"]["id"]}


def test_price_filter_ignores_archived_skus(api: httpx.Client, shop: Shop) -> None:
    knife = shop.products["knife"]
    expensive = next(sku for sku in knife["skus"] if sku["price"] == 3000)
    archived = api.patch(
        f"/v1/merchant/skus/{expensive['id']}", json={"status": "archived"}, headers=shop.north.headers
    )
    assert archived.status_code == 200
    assert _ids(api.get("/v1/products", params={"min_price": 2800})) == {shop.products["chair"]["id"]}
    listed = api.get(f"/v1/products/{knife['id']}").json()
    assert [sku["price"] for sku in listed["skus"]] == [1500]
    assert listed["price_min"] == listed["price_max"] == 1500


def test_min_price_above_max_price_is_a_validation_error(api: httpx.Client) -> None:
    response = api.get("/v1/products", params={"min_price": 500, "max_price": 100})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.min_price"


def test_min_rating_filter(api: httpx.Client, shop: Shop) -> None:
    p = shop.products
    for rating, name in ((5, "pan"), (3, "knife"), (4, "chair")):
        reviewer = customer(api)
        posted = api.post(
            f"/v1/products/{p[name]['id']}/reviews", json={"rating": rating, "title": "Fine"}, headers=reviewer.headers
        )
        assert posted.status_code == 201
    assert _ids(api.get("/v1/products", params={"min_rating": 4})) == {p["pan"]["id"], p["chair"]["id"]}
    assert _ids(api.get("/v1/products", params={"min_rating": "4.5"})) == {p["pan"]["id"]}


def test_in_stock_filter_needs_an_unreserved_unit_of_an_active_sku(
    api: httpx.Client, shop: Shop, database_url: str
) -> None:
    p = shop.products
    # The knife has 3 free units; the hose's 3 units are all reserved.
    assert _ids(api.get("/v1/products", params={"in_stock": "true"})) == {p["knife"]["id"]}
    # Stock of an archived SKU does not count.
    pan_sku = p["pan"]["skus"][0]["id"]
    put_stock_directly_in_db(database_url, sku_id=pan_sku, merchant_id=shop.north.merchant_id or "", on_hand=4)
    assert _ids(api.get("/v1/products", params={"in_stock": "true"})) == {p["knife"]["id"], p["pan"]["id"]}
    api.patch(f"/v1/merchant/skus/{pan_sku}", json={"status": "archived"}, headers=shop.north.headers)
    assert p["pan"]["id"] not in _ids(api.get("/v1/products", params={"in_stock": "true"}))


def test_filters_combine(api: httpx.Client, shop: Shop) -> None:
    params: dict[str, str | int] = {"category": "home", "brand": "acme", "max_price": 2000, "in_stock": "true"}
    assert _ids(api.get("/v1/products", params=params)) == {shop.products["knife"]["id"]}


def test_sort_orders(api: httpx.Client, shop: Shop) -> None:
    p = shop.products
    reviewer = customer(api)
    api.post(f"/v1/products/{p['hose']['id']}/reviews", json={"rating": 5, "title": "Great"}, headers=reviewer.headers)
    api.post(f"/v1/products/{p['pan']['id']}/reviews", json={"rating": 2, "title": "Meh"}, headers=reviewer.headers)

    def order(sort: str | None) -> list[str]:
        params = {"sort": sort} if sort else {}
        return [item["id"] for item in api.get("/v1/products", params=params).json()["items"]]

    by_name = {product["id"]: name for name, product in p.items()}
    assert [by_name[i] for i in order("price")] == ["hose", "knife", "pan", "chair"]
    assert [by_name[i] for i in order("-price")] == ["chair", "pan", "knife", "hose"]
    # Unrated products (0) come after rated ones; ties newest first.
    assert [by_name[i] for i in order("rating")] == ["hose", "pan", "chair", "knife"]
    assert [by_name[i] for i in order("newest")] == ["hose", "chair", "pan", "knife"]
    assert order(None) == order("newest")


@pytest.mark.parametrize("sort", ["cheapest", "PRICE", "best", ""])
def test_unknown_sort_is_a_validation_error(api: httpx.Client, sort: str) -> None:
    response = api.get("/v1/products", params={"sort": sort})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation-error" and body["errors"][0]["field"] == "query.sort"


@pytest.fixture
def many_products(api: httpx.Client, database_url: str) -> list[str]:
    """13 products with repeated prices, so sort keys tie and the id must break the ties."""
    staff = merchant_staff(api, database_url)
    brand, category = make_brand(database_url), make_category(database_url)
    return [
        make_product(api, staff, brand=brand, category=category, skus=[{"price": 100 * (i % 4)}])["id"]
        for i in range(13)
    ]


@pytest.mark.parametrize("sort", ["newest", "price", "-price", "rating"])
def test_walking_every_page_yields_each_product_once_in_order(
    api: httpx.Client, many_products: list[str], sort: str
) -> None:
    one_page = [item["id"] for item in api.get("/v1/products", params={"sort": sort, "limit": 100}).json()["items"]]
    assert sorted(one_page) == sorted(many_products)
    for limit in (1, 4, 5, 13):
        walked = [item["id"] for item in list_all_pages(api, "/v1/products", {"sort": sort, "limit": limit})]
        assert walked == one_page, limit  # each product exactly once, in the same order


def test_products_added_while_walking_do_not_shift_the_pages(
    api: httpx.Client, database_url: str, many_products: list[str]
) -> None:
    """Keyset paging: a product created between two pages neither repeats nor hides any other."""
    first = api.get("/v1/products", params={"limit": 5}).json()
    staff = merchant_staff(api, database_url)
    make_product(api, staff, brand=make_brand(database_url), category=make_category(database_url))
    rest = list_all_pages(api, "/v1/products", {"limit": 5, "cursor": first["next_cursor"]})
    walked = [item["id"] for item in first["items"] + rest]
    assert sorted(walked) == sorted(many_products)


def test_last_page_has_no_next_cursor(api: httpx.Client, many_products: list[str]) -> None:
    first = api.get("/v1/products", params={"limit": 10}).json()
    assert len(first["items"]) == 10 and first["next_cursor"]
    second = api.get("/v1/products", params={"limit": 10, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 3 and second["next_cursor"] is None


def test_tampered_or_foreign_cursor_is_invalid_cursor(api: httpx.Client, many_products: list[str]) -> None:
    cursor = api.get("/v1/products", params={"limit": 2, "sort": "price"}).json()["next_cursor"]
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad, sort in ((flipped, "price"), ("garbage", "price"), (cursor, "newest"), ("", "price")):
        response = api.get("/v1/products", params={"limit": 2, "sort": sort, "cursor": bad})
        assert response.status_code == 422, (bad, sort)
        assert response.json()["code"] == "invalid-cursor"
    reviews_cursor = api.get(f"/v1/products/{many_products[0]}/reviews", params={"cursor": cursor})
    assert reviews_cursor.status_code == 422 and reviews_cursor.json()["code"] == "invalid-cursor"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "query.limit"),
        ({"limit": 0}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"min_price": -1}, "query.min_price"),
        ({"max_price": 10**12}, "query.max_price"),
        ({"min_price": "cheap"}, "query.min_price"),
        ({"min_rating": 6}, "query.min_rating"),
        ({"min_rating": "nan"}, "query.min_rating"),
        ({"in_stock": "maybe"}, "query.in_stock"),
        ({"category": "\x00"}, "query.category"),
        ({"brand": "a\x00b"}, "query.brand"),
    ],
)
def test_bad_query_parameters_are_validation_errors(api: httpx.Client, params: dict[str, Any], field: str) -> None:
    response = api.get("/v1/products", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation-error"
    assert field in {error["field"] for error in body["errors"]}


async def test_a_page_costs_the_same_few_queries_whatever_its_size(
    engine: AsyncEngine, api: httpx.Client, many_products: list[str]
) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        costs = {}
        for limit in (1, 13):
            statements.clear()
            async with engine.connect() as conn:
                page = await search_products(conn, cursors=CursorCodec(b"test"), request=SearchRequest(limit=limit))
            assert len(page.items) == limit
            costs[limit] = len(statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    # planner settings, products page, then SKUs with availability, images and merchant names in one
    assert costs == {1: 3, 13: 3}
