"""Brands and categories over HTTP: public lists, administrators create, the tree feeds the category filter."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.catalog_factories import list_all_pages, make_brand, make_product
from tests.factories import Account, admin, customer, merchant_staff


@pytest.fixture
def boss(api: httpx.Client, database_url: str) -> Account:
    return admin(api, database_url)


def _create(api: httpx.Client, who: Account, kind: str, **body: Any) -> httpx.Response:
    return api.post(f"/v1/admin/{kind}", json=body, headers=who.headers)


def test_admin_builds_a_category_tree_that_the_public_sees_in_path_order(api: httpx.Client, boss: Account) -> None:
    for slug, name, parent in (
        ("home", "Home", None),
        ("garden", "Garden", None),
        ("kitchen", "Kitchen", "home"),
        ("knives", "Knives", "kitchen"),
        ("bath", "Bath", "home"),
    ):
        body = {"slug": slug, "name": name} | ({"parent": parent} if parent else {})
        response = _create(api, boss, "categories", **body)
        assert response.status_code == 201, response.text
    tree = api.get("/v1/categories", params={"limit": 100}).json()["items"]
    assert [(c["path"], c["parent"]) for c in tree] == [
        ("garden", None),
        ("home", None),
        ("home/bath", "home"),
        ("home/kitchen", "home"),
        ("home/kitchen/knives", "kitchen"),
    ]
    assert all(c["object"] == "category" and c["id"].startswith("cat_") for c in tree)
    walked = list_all_pages(api, "/v1/categories", {"limit": 2})
    assert [c["slug"] for c in walked] == [c["slug"] for c in tree]


def test_admin_created_brand_and_category_can_be_used_by_merchants(
    api: httpx.Client, boss: Account, database_url: str
) -> None:
    brand = _create(api, boss, "brands", slug="zenith", name="Zenith")
    assert brand.status_code == 201
    assert brand.json() | {"id": "x"} == {"id": "x", "object": "brand", "slug": "zenith", "name": "Zenith"}
    _create(api, boss, "categories", slug="tools", name="Tools")
    _create(api, boss, "categories", slug="saws", name="Saws", parent="tools")
    staff = merchant_staff(api, database_url)
    saw = make_product(api, staff, brand="zenith", category="saws")
    assert saw["category"] == {"slug": "saws", "name": "Saws", "path": "tools/saws"}
    listed = api.get("/v1/products", params={"category": "tools"}).json()["items"]
    assert [p["id"] for p in listed] == [saw["id"]]


def test_brands_are_listed_by_slug_and_paged(api: httpx.Client, database_url: str) -> None:
    for slug in ("zeta", "alpha", "mid", "beta", "omega"):
        make_brand(database_url, slug=slug)
    first = api.get("/v1/brands", params={"limit": 3}).json()
    assert [b["slug"] for b in first["items"]] == ["alpha", "beta", "mid"] and first["next_cursor"]
    assert [b["slug"] for b in list_all_pages(api, "/v1/brands", {"limit": 2})] == [
        "alpha",
        "beta",
        "mid",
        "omega",
        "zeta",
    ]
    tampered = api.get("/v1/brands", params={"cursor": first["next_cursor"][:-3]})
    assert tampered.status_code == 422 and tampered.json()["code"] == "invalid-cursor"


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("brands", {"slug": "Big Brand", "name": "Big"}, "body.slug"),
        ("brands", {"slug": "big", "name": ""}, "body.name"),
        ("brands", {"slug": "big", "name": "Big", "logo": "x"}, "body.logo"),
        ("categories", {"slug": "sub", "name": "Sub", "parent": "nowhere"}, "body.parent"),
        ("categories", {"slug": "sub/child", "name": "Sub"}, "body.slug"),
    ],
)
def test_invalid_brand_or_category_is_a_validation_error(
    api: httpx.Client, boss: Account, kind: str, body: dict[str, Any], field: str
) -> None:
    response = _create(api, boss, kind, **body)
    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"
    assert field in {e["field"] for e in response.json()["errors"]}
    assert api.get(f"/v1/{kind}").json()["items"] == []


def test_taken_slug_is_already_exists(api: httpx.Client, boss: Account) -> None:
    assert _create(api, boss, "brands", slug="acme", name="Acme").status_code == 201
    again = _create(api, boss, "brands", slug="acme", name="Acme Two")
    assert again.status_code == 409 and again.json()["code"] == "already-exists"
    assert _create(api, boss, "categories", slug="home", name="Home").status_code == 201
    again = _create(api, boss, "categories", slug="home", name="Home Two")
    assert again.status_code == 409 and again.json()["code"] == "already-exists"
    assert [b["name"] for b in api.get("/v1/brands").json()["items"]] == ["Acme"]


def test_only_admins_create_brands_and_categories(api: httpx.Client, database_url: str) -> None:
    for who in (customer(api), merchant_staff(api, database_url)):
        for kind in ("brands", "categories"):
            response = _create(api, who, kind, slug="sneaky", name="Sneaky")
            assert response.status_code == 403 and response.json()["code"] == "forbidden"
    anonymous = api.post("/v1/admin/brands", json={"slug": "sneaky", "name": "Sneaky"})
    assert anonymous.status_code == 401
    assert api.get("/v1/brands").json()["items"] == [] and api.get("/v1/categories").json()["items"] == []
