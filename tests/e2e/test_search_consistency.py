"""The search index is kept in the catalog's own transactions: whatever a merchant (or an administrator)
changes is what the very next search sees, and a write that fails leaves no trace in the index."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.catalog_factories import make_brand, make_category, make_product, put_stock_directly_in_db
from tests.factories import Account, merchant_staff
from tests.search_factories import search


@pytest.fixture
def staff(api: httpx.Client, database_url: str) -> Account:
    return merchant_staff(api, database_url, merchant_name="Consistent Goods")


@pytest.fixture
def shelf(database_url: str) -> tuple[str, str]:
    return make_brand(database_url, slug="quill", name="Quill"), make_category(database_url, slug="pens", name="Pens")


def _ids(api: httpx.Client, **params: object) -> list[str]:
    return [item["id"] for item in search(api, limit=100, **params)["items"]]


def test_a_created_product_is_found_by_the_next_search(
    api: httpx.Client, staff: Account, shelf: tuple[str, str]
) -> None:
    assert _ids(api, q="fountain pen") == []
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1])
    assert _ids(api, q="fountain pen") == [pen["id"]]
    assert _ids(api, q="quill pens") == [pen["id"]]  # brand and category names too


def test_a_renamed_product_is_found_by_its_new_name_only(
    api: httpx.Client, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1])
    renamed = api.patch(
        f"/v1/merchant/products/{pen['id']}",
        json={"name": "Calligraphy Nib", "description": "Italic."},
        headers=staff.headers,
    )
    assert renamed.status_code == 200
    assert _ids(api, q="fountain") == []
    assert _ids(api, q="calligraphy nib") == [pen["id"]]
    assert _ids(api, q="italic") == [pen["id"]]


def test_a_product_moved_to_another_brand_and_category_is_found_under_them(
    api: httpx.Client, database_url: str, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1])
    make_brand(database_url, slug="ink-co", name="Ink Co")
    make_category(database_url, slug="art", name="Art Supplies")
    moved = api.patch(
        f"/v1/merchant/products/{pen['id']}", json={"brand": "ink-co", "category": "art"}, headers=staff.headers
    )
    assert moved.status_code == 200
    assert _ids(api, q="quill") == []
    assert _ids(api, q="ink art supplies") == [pen["id"]]


def test_renaming_a_brand_or_a_category_reindexes_its_products(
    api: httpx.Client, database_url: str, staff: Account, shelf: tuple[str, str]
) -> None:
    make_category(database_url, slug="fine-pens", name="Fine Pens", parent=shelf[1])
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category="fine-pens")
    with psycopg.connect(database_url, autocommit=True) as conn:  # administrators' edit, no API yet
        conn.execute("UPDATE brands SET name = 'Plume' WHERE slug = 'quill'")
        conn.execute("UPDATE categories SET name = 'Writing' WHERE slug = 'pens'")
    assert _ids(api, q="quill") == []
    assert _ids(api, q="plume writing") == [pen["id"]]  # the parent category's new name counts too
    assert _ids(api, q="plum writin")[:1] == [pen["id"]]  # and its words are known to the typo lexicon


def test_a_repriced_product_moves_in_price_filters_sorts_and_facets(
    api: httpx.Client, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1], skus=[{"price": 1_500}])
    cheap = make_product(api, staff, name="Ballpoint Pen", brand=shelf[0], category=shelf[1], skus=[{"price": 500}])
    assert _ids(api, q="pen", sort="price") == [cheap["id"], pen["id"]]
    repriced = api.patch(f"/v1/merchant/skus/{pen['skus'][0]['id']}", json={"price": 300}, headers=staff.headers)
    assert repriced.status_code == 200
    assert _ids(api, q="pen", sort="price") == [pen["id"], cheap["id"]]
    assert _ids(api, q="pen", max_price=400) == [pen["id"]]
    facets = search(api, q="pen", facets="price")["facets"]
    assert facets["price"] == [{"min": 0, "max": 999, "count": 2}]


def test_an_archived_product_is_gone_from_the_next_search(
    api: httpx.Client, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1])
    assert api.post(f"/v1/merchant/products/{pen['id']}/archive", headers=staff.headers).status_code == 200
    assert _ids(api, q="fountain pen") == []
    assert search(api, q="fountain", facets="all")["facets"]["brand"] == []


def test_a_draft_is_found_only_once_it_is_made_active(
    api: httpx.Client, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1], status="draft")
    assert _ids(api, q="fountain") == []
    published = api.patch(f"/v1/merchant/products/{pen['id']}", json={"status": "active"}, headers=staff.headers)
    assert published.status_code == 200
    assert _ids(api, q="fountain") == [pen["id"]]


def test_a_sold_out_product_leaves_in_stock_searches(
    api: httpx.Client, database_url: str, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1])
    sku_id = pen["skus"][0]["id"]
    warehouse = put_stock_directly_in_db(database_url, sku_id=sku_id, merchant_id=staff.merchant_id or "", on_hand=1)
    assert _ids(api, q="fountain", in_stock="true") == [pen["id"]]
    with psycopg.connect(database_url, autocommit=True) as conn:  # the last unit is reserved (test shortcut)
        conn.execute("UPDATE inventory SET reserved = 1 WHERE sku_id = %s AND warehouse_id = %s", (sku_id, warehouse))
    assert _ids(api, q="fountain", in_stock="true") == []
    listed = search(api, q="fountain")["items"]
    assert [item["id"] for item in listed] == [pen["id"]] and listed[0]["skus"][0]["available"] == 0


def test_sku_attribute_and_status_changes_move_attribute_filters_and_facets(
    api: httpx.Client, staff: Account, shelf: tuple[str, str]
) -> None:
    pen = make_product(
        api,
        staff,
        name="Fountain Pen",
        brand=shelf[0],
        category=shelf[1],
        skus=[{"price": 1_000, "attributes": {"ink": "blue"}}, {"price": 2_000, "attributes": {"ink": "black"}}],
    )
    blue, black = (sku["id"] for sku in pen["skus"])
    assert _ids(api, **{"attr.ink": "blue"}) == [pen["id"]]
    api.patch(f"/v1/merchant/skus/{blue}", json={"attributes": {"ink": "green"}}, headers=staff.headers)
    assert _ids(api, **{"attr.ink": "blue"}) == []
    assert _ids(api, **{"attr.ink": "green"}) == [pen["id"]]
    api.patch(f"/v1/merchant/skus/{black}", json={"status": "archived"}, headers=staff.headers)
    facets = search(api, facets=["attributes", "price"])["facets"]
    assert facets["attributes"] == {"ink": [{"value": "green", "count": 1}]}
    assert facets["price"] == [{"min": 1_000, "max": 2_499, "count": 1}]


def test_a_refused_write_leaves_nothing_in_the_index(
    api: httpx.Client, database_url: str, staff: Account, shelf: tuple[str, str]
) -> None:
    make_product(api, staff, name="Fountain Pen", brand=shelf[0], category=shelf[1], skus=[{"code": "TAKEN"}])
    refused = api.post(
        "/v1/merchant/products",
        json={
            "name": "Zeppelin Quillpot",
            "brand": shelf[0],
            "category": shelf[1],
            "skus": [{"code": "TAKEN", "price": 100, "currency": "usd"}],
        },
        headers=staff.headers,
    )
    assert refused.status_code == 409
    assert _ids(api, q="zeppelin") == []
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM search_words WHERE word = 'zeppelin'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM search_product_facets").fetchone() == (1,)
