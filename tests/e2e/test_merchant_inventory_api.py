"""The merchant inventory API over HTTP: warehouses, stock levels, adjustments and the ledger, each
merchant seeing and touching only its own SKUs and warehouses."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import Account, customer, merchant_staff
from tests.inventory_factories import Db, hold_stock, insert_sku


def new_warehouse(api: httpx.Client, staff: Account, region: str = "CA", priority: int = 100) -> str:
    response = api.post(
        "/v1/merchant/warehouses",
        json={"name": f"{region} hub", "country": "us", "region": region, "priority": priority},
        headers=staff.headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def put_stock(api: httpx.Client, staff: Account, sku_id: str, warehouse_id: str, on_hand: int) -> httpx.Response:
    return api.put(f"/v1/merchant/skus/{sku_id}/stock/{warehouse_id}", json={"on_hand": on_hand}, headers=staff.headers)


def ledger(api: httpx.Client, staff: Account, sku_id: str, **params: str | int) -> httpx.Response:
    return api.get(f"/v1/merchant/skus/{sku_id}/ledger", params=params, headers=staff.headers)


@pytest.fixture
def staff(api: httpx.Client, database_url: str) -> Account:
    return merchant_staff(api, database_url, merchant_name="Own Goods")


def test_merchant_creates_and_lists_its_warehouses(api: httpx.Client, staff: Account, database_url: str) -> None:
    response = api.post(
        "/v1/merchant/warehouses",
        json={"name": "Oakland", "country": "us", "region": "CA", "priority": 10},
        headers=staff.headers,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["object"] == "warehouse" and body["id"].startswith("wh_")
    assert (body["name"], body["country"], body["region"], body["priority"]) == ("Oakland", "US", "CA", 10)
    second = new_warehouse(api, staff, "NY")
    other = merchant_staff(api, database_url, merchant_name="Other Goods")
    new_warehouse(api, other, "TX")
    listed = api.get("/v1/merchant/warehouses", headers=staff.headers).json()
    assert listed["object"] == "list" and listed["next_cursor"] is None
    assert [w["id"] for w in listed["items"]] == [body["id"], second]


def test_warehouse_list_pages(api: httpx.Client, staff: Account) -> None:
    ids = [new_warehouse(api, staff, region) for region in ("CA", "NY", "TX")]
    first = api.get("/v1/merchant/warehouses", params={"limit": 2}, headers=staff.headers).json()
    rest = api.get(
        "/v1/merchant/warehouses", params={"limit": 2, "cursor": first["next_cursor"]}, headers=staff.headers
    ).json()
    assert [w["id"] for w in first["items"] + rest["items"]] == ids
    assert rest["next_cursor"] is None
    for bad in ({"limit": 101}, {"limit": 0}, {"cursor": "tampered"}):
        response = api.get("/v1/merchant/warehouses", params=bad, headers=staff.headers)
        assert response.status_code == 422, bad


def test_warehouse_body_is_validated(api: httpx.Client, staff: Account) -> None:
    cases = [
        {"name": "X", "country": "USA", "region": "CA"},
        {"name": "", "country": "US", "region": "CA"},
        {"name": "X", "country": "US", "region": "CA", "priority": "1"},
        {"name": "X", "country": "US", "region": "CA", "priority": -1},
        {"name": "X", "country": "US", "region": "CA", "colour": "red"},
        {"name": "X", "country": "US"},
    ]
    for body in cases:
        response = api.post("/v1/merchant/warehouses", json=body, headers=staff.headers)
        assert response.status_code == 422, body
        assert response.json()["code"] == "validation-error"
    assert api.get("/v1/merchant/warehouses", headers=staff.headers).json()["items"] == []


def test_stock_is_set_per_warehouse_and_listed_for_every_warehouse(api: httpx.Client, staff: Account, db: Db) -> None:
    sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    west, east = new_warehouse(api, staff, "CA", priority=1), new_warehouse(api, staff, "NY", priority=2)
    response = put_stock(api, staff, sku, west, 12)
    assert response.status_code == 200
    assert response.json() == {
        "object": "stock_level",
        "sku_id": sku,
        "warehouse_id": west,
        "on_hand": 12,
        "reserved": 0,
        "available": 12,
    }
    listed = api.get(f"/v1/merchant/skus/{sku}/stock", headers=staff.headers).json()
    assert listed["object"] == "list"
    assert [(i["warehouse_id"], i["on_hand"], i["reserved"], i["available"]) for i in listed["items"]] == [
        (west, 12, 0, 12),
        (east, 0, 0, 0),
    ]
    assert put_stock(api, staff, sku, west, 7).json()["on_hand"] == 7
    entries = ledger(api, staff, sku).json()["items"]
    assert [(e["kind"], e["on_hand_delta"]) for e in entries] == [("adjust", -5), ("adjust", 12)]


def test_stock_cannot_be_set_below_what_is_reserved(
    api: httpx.Client, staff: Account, db: Db, database_url: str
) -> None:
    sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    wh = new_warehouse(api, staff)
    assert put_stock(api, staff, sku, wh, 5).status_code == 200
    hold_stock(database_url, sku_id=sku, qty=3, holder="chk_1")
    refused = put_stock(api, staff, sku, wh, 2)
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert put_stock(api, staff, sku, wh, 3).json() == {
        "object": "stock_level",
        "sku_id": sku,
        "warehouse_id": wh,
        "on_hand": 3,
        "reserved": 3,
        "available": 0,
    }
    refused = api.post(
        f"/v1/merchant/skus/{sku}/stock/{wh}/adjustments",
        json={"delta": -1, "reason": "damaged"},
        headers=staff.headers,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    assert len(ledger(api, staff, sku).json()["items"]) == 3  # set 5, reserve 3, set 3: nothing from the refusals


def test_adjustments_move_on_hand_with_a_reason_and_never_below_zero(api: httpx.Client, staff: Account, db: Db) -> None:
    sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    wh = new_warehouse(api, staff)
    url = f"/v1/merchant/skus/{sku}/stock/{wh}/adjustments"
    response = api.post(url, json={"delta": 10, "reason": "found a pallet"}, headers=staff.headers)
    assert response.status_code == 201
    body = response.json()
    assert body["object"] == "stock_adjustment" and body["id"].startswith("led_")
    assert (body["delta"], body["reason"], body["on_hand"], body["available"]) == (10, "found a pallet", 10, 10)
    assert api.post(url, json={"delta": -4, "reason": "water damage"}, headers=staff.headers).json()["on_hand"] == 6
    refused = api.post(url, json={"delta": -7, "reason": "more than there is"}, headers=staff.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    for bad in (
        {"delta": 0, "reason": "x"},
        {"delta": 1},
        {"delta": "1", "reason": "x"},
        {"delta": 1.5, "reason": "x"},
        {"delta": 1, "reason": ""},
        {"delta": 1, "reason": "x", "note": "y"},
    ):
        response = api.post(url, json=bad, headers=staff.headers)
        assert response.status_code == 422, bad
    listed = api.get(f"/v1/merchant/skus/{sku}/stock", headers=staff.headers).json()["items"]
    assert listed[0]["on_hand"] == 6


def test_adjusting_a_never_stocked_sku_down_is_a_conflict(api: httpx.Client, staff: Account, db: Db) -> None:
    sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    wh = new_warehouse(api, staff)
    refused = api.post(
        f"/v1/merchant/skus/{sku}/stock/{wh}/adjustments", json={"delta": -1, "reason": "x"}, headers=staff.headers
    )
    assert refused.status_code == 409


def test_ledger_pages_newest_first(api: httpx.Client, staff: Account, db: Db) -> None:
    sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    wh = new_warehouse(api, staff)
    for delta in (1, 2, 3, 4, 5):
        api.post(
            f"/v1/merchant/skus/{sku}/stock/{wh}/adjustments",
            json={"delta": delta, "reason": f"r{delta}"},
            headers=staff.headers,
        )
    pages, cursor = [], None
    while True:
        page = ledger(api, staff, sku, limit=2, **({"cursor": cursor} if cursor else {})).json()
        pages.append([e["on_hand_delta"] for e in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [[5, 4], [3, 2], [1]]
    entry = ledger(api, staff, sku, limit=1).json()["items"][0]
    assert entry["object"] == "ledger_entry" and entry["kind"] == "adjust" and entry["reason"] == "r5"
    assert entry["warehouse_id"] == wh and entry["reserved_delta"] == 0 and entry["created_at"].endswith("Z")
    other_sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    first_cursor = ledger(api, staff, sku, limit=2).json()["next_cursor"]
    assert ledger(api, staff, other_sku, cursor=first_cursor).status_code == 422
    assert ledger(api, staff, sku, limit=101).status_code == 422


def test_another_merchants_skus_and_warehouses_are_not_found(
    api: httpx.Client, staff: Account, db: Db, database_url: str
) -> None:
    rival = merchant_staff(api, database_url, merchant_name="Rival Goods")
    mine, theirs = (
        insert_sku(db, merchant_id=str(staff.merchant_id)),
        insert_sku(db, merchant_id=str(rival.merchant_id)),
    )
    my_wh, their_wh = new_warehouse(api, staff), new_warehouse(api, rival)
    assert put_stock(api, rival, theirs, their_wh, 9).status_code == 200
    adjust = {"delta": 1, "reason": "x"}
    attempts = [
        ("PUT", f"/v1/merchant/skus/{theirs}/stock/{my_wh}", {"on_hand": 1}),
        ("PUT", f"/v1/merchant/skus/{mine}/stock/{their_wh}", {"on_hand": 1}),
        ("PUT", f"/v1/merchant/skus/sku_nope/stock/{my_wh}", {"on_hand": 1}),
        ("PUT", f"/v1/merchant/skus/{mine}/stock/wh_00000000000000000000000000", {"on_hand": 1}),
        ("GET", f"/v1/merchant/skus/{theirs}/stock", None),
        ("GET", "/v1/merchant/skus/not-an-id/stock", None),
        ("POST", f"/v1/merchant/skus/{theirs}/stock/{my_wh}/adjustments", adjust),
        ("POST", f"/v1/merchant/skus/{mine}/stock/{their_wh}/adjustments", adjust),
        ("GET", f"/v1/merchant/skus/{theirs}/ledger", None),
    ]
    for method, url, body in attempts:
        response = api.request(method, url, json=body, headers=staff.headers)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["code"] == "not-found"
    missing = api.get("/v1/merchant/skus/sku_00000000000000000000000000/stock", headers=staff.headers)
    assert (
        missing.json()["detail"] == api.get(f"/v1/merchant/skus/{theirs}/stock", headers=staff.headers).json()["detail"]
    )
    assert [w["id"] for w in api.get("/v1/merchant/warehouses", headers=staff.headers).json()["items"]] == [my_wh]
    assert api.get(f"/v1/merchant/skus/{theirs}/stock", headers=rival.headers).json()["items"][0]["on_hand"] == 9


def test_customers_are_forbidden_and_anonymous_callers_unauthenticated(
    api: httpx.Client, staff: Account, db: Db
) -> None:
    sku = insert_sku(db, merchant_id=str(staff.merchant_id))
    wh = new_warehouse(api, staff)
    buyer = customer(api)
    endpoints = [
        ("GET", "/v1/merchant/warehouses", None),
        ("POST", "/v1/merchant/warehouses", {"name": "X", "country": "US", "region": "CA"}),
        ("PUT", f"/v1/merchant/skus/{sku}/stock/{wh}", {"on_hand": 1}),
        ("GET", f"/v1/merchant/skus/{sku}/stock", None),
        ("POST", f"/v1/merchant/skus/{sku}/stock/{wh}/adjustments", {"delta": 1, "reason": "x"}),
        ("GET", f"/v1/merchant/skus/{sku}/ledger", None),
    ]
    for method, url, body in endpoints:
        as_customer = api.request(method, url, json=body, headers=buyer.headers)
        assert as_customer.status_code == 403 and as_customer.json()["code"] == "forbidden", (method, url)
        anonymous = api.request(method, url, json=body)
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated", (method, url)
    assert ledger(api, staff, sku).json()["items"] == []
