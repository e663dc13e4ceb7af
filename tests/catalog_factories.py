"""Catalog test data: brands and categories inserted directly, products made through the merchant API,
and stock given to a SKU by writing inventory rows directly (a test shortcut past the inventory API).

Other contexts' tests use these too: `make_product(api, staff, brand=..., category=..., skus=[...])`.
"""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import psycopg

from mercato.kernel.ids import new_id
from tests.factories import Account

_counter = itertools.count(1)


def unique_slug(prefix: str) -> str:
    """A slug no other test data uses."""
    return f"{prefix}-{next(_counter)}"


def make_brand(database_url: str, *, slug: str | None = None, name: str | None = None) -> str:
    """Insert a brand with SQL (as the seed does) and return its slug."""
    slug = slug or unique_slug("brand")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO brands (id, slug, name) VALUES (%s, %s, %s)",
            (new_id("brand"), slug, name or slug.replace("-", " ").title()),
        )
    return slug


def make_category(
    database_url: str, *, slug: str | None = None, name: str | None = None, parent: str | None = None
) -> str:
    """Insert a category with SQL, under the category with slug `parent` if given; return its slug."""
    slug = slug or unique_slug("category")
    with psycopg.connect(database_url, autocommit=True) as conn:
        parent_id, path = None, slug
        if parent is not None:
            found = conn.execute("SELECT id, path FROM categories WHERE slug = %s", (parent,)).fetchone()
            assert found is not None, f"no parent category {parent}"
            parent_id, path = found[0], f"{found[1]}/{slug}"
        conn.execute(
            "INSERT INTO categories (id, parent_id, slug, name, path) VALUES (%s, %s, %s, %s, %s)",
            (new_id("category"), parent_id, slug, name or slug.replace("-", " ").title(), path),
        )
    return slug


def sku_payload(**fields: Any) -> dict[str, Any]:
    """A SKU body for the merchant API with a unique code; any field may be given."""
    body: dict[str, Any] = {
        "code": f"SKU-{next(_counter)}",
        "price": 1000,
        "currency": "usd",
        "attributes": {},
        "weight_grams": 250,
        "digital": False,
    }
    body.update(fields)
    return body


def product_payload(
    *, brand: str, category: str, skus: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    """A product body for `POST /v1/merchant/products`; `skus` items are completed by `sku_payload`."""
    body: dict[str, Any] = {
        "name": f"Test Product {next(_counter)}",
        "description": "A product made by a test.",
        "brand": brand,
        "category": category,
        "skus": [sku_payload(**sku) for sku in (skus if skus is not None else [{}])],
    }
    body.update(fields)
    return body


def make_product(
    api: httpx.Client,
    staff: Account,
    *,
    brand: str,
    category: str,
    skus: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create a product through the merchant API as `staff` and return it as the API answered."""
    response = api.post(
        "/v1/merchant/products",
        json=product_payload(brand=brand, category=category, skus=skus, **fields),
        headers=staff.headers,
    )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def put_stock_directly_in_db(
    database_url: str, *, sku_id: str, merchant_id: str, on_hand: int, reserved: int = 0, region: str = "eu-west"
) -> str:
    """Test shortcut: a new warehouse of the merchant holding `on_hand` (and `reserved`) units of the SKU.

    Writes the inventory context's tables with SQL, bypassing its API; returns the warehouse id.
    """
    warehouse_id = new_id("warehouse")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO warehouses (id, merchant_id, name, country, region) VALUES (%s, %s, %s, %s, %s)",
            (warehouse_id, merchant_id, f"Test warehouse {next(_counter)}", "DE", region),
        )
        conn.execute(
            "INSERT INTO inventory (sku_id, warehouse_id, on_hand, reserved) VALUES (%s, %s, %s, %s)",
            (sku_id, warehouse_id, on_hand, reserved),
        )
    return warehouse_id


def list_all_pages(
    api: httpx.Client, path: str, params: dict[str, Any] | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """Walk a list endpoint from the first page to the last, returning every item in order."""
    items: list[dict[str, Any]] = []
    query = dict(params or {})
    while True:
        response = api.get(path, params=query, **kwargs)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]
