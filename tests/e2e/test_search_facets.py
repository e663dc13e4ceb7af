"""Facet counts against a brute-force count in Python: on a generated shop, for generated combinations of
text and filters, every facet the API answers equals what the rules of docs/search.md give."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.search import SearchFilters
from mercato.search.domain import Facet, facets_asked
from mercato.search.facets import SAMPLE_BUCKETS, count_facets
from mercato.seed import seed_marketplace
from tests.catalog_factories import list_all_pages, make_brand, make_category, make_product, put_stock_directly_in_db
from tests.facet_oracle import Ask, allowed, expected_facets
from tests.factories import Account, customer, merchant_staff

BRANDS = ("acme", "zenith", "orbit", "nova")
LEAVES = {"knives": "home/kitchen/knives", "kitchen": "home/kitchen", "garden": "home/garden", "audio": "tech/audio"}
PRICES = (500, 999, 1_000, 2_400, 2_500, 7_000, 12_000, 30_000, 260_000)
COLORS = ("Red", "Blue", "Black")
WORDS = ("Steel", "Wooden", "Smart", "Compact")
NOUNS = ("Knife", "Lamp", "Speaker", "Hose")


class Shop:
    """A generated shop: two merchants' products with random brands, categories, SKUs, ratings, stock."""

    def __init__(self, api: httpx.Client, database_url: str) -> None:
        rng = random.Random(20_240_601)
        for slug in BRANDS:
            make_brand(database_url, slug=slug)
        for slug, parent in (("home", None), ("kitchen", "home"), ("knives", "kitchen"), ("garden", "home")):
            make_category(database_url, slug=slug, parent=parent)
        make_category(database_url, slug="tech")
        make_category(database_url, slug="audio", parent="tech")
        self.merchants: list[Account] = [merchant_staff(api, database_url) for _ in range(2)]
        shoppers = [customer(api) for _ in range(3)]
        for n in range(40):
            staff = self.merchants[n % 2]
            skus = []
            for _ in range(rng.randint(1, 3)):
                attributes = {"color": rng.choice(COLORS)} | ({"size": rng.choice("SM")} if rng.random() < 0.5 else {})
                skus.append({"price": rng.choice(PRICES), "attributes": attributes})
            product = make_product(
                api,
                staff,
                name=f"{rng.choice(WORDS)} {rng.choice(NOUNS)} {n}",
                brand=rng.choice(BRANDS),
                category=rng.choice(list(LEAVES)),
                skus=skus,
            )
            if len(skus) > 1 and rng.random() < 0.3:
                archived = api.patch(
                    f"/v1/merchant/skus/{product['skus'][0]['id']}", json={"status": "archived"}, headers=staff.headers
                )
                assert archived.status_code == 200
            for shopper in rng.sample(shoppers, rng.randint(0, 3)):
                api.post(
                    f"/v1/products/{product['id']}/reviews",
                    json={"rating": rng.randint(1, 5), "title": "t"},
                    headers=shopper.headers,
                )
            if rng.random() < 0.5:
                put_stock_directly_in_db(
                    database_url, sku_id=product["skus"][-1]["id"], merchant_id=staff.merchant_id or "", on_hand=3
                )
        self.names = {c["path"]: (c["slug"], c["name"]) for c in list_all_pages(api, "/v1/categories", {"limit": 100})}


@pytest.fixture
def shop(api: httpx.Client, database_url: str) -> Shop:
    return Shop(api, database_url)


def _params(q: str | None, merchant: str | None, in_stock: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": 100}
    if q is not None:
        params["q"] = q
    if merchant is not None:
        params["merchant"] = merchant
    if in_stock:
        params["in_stock"] = "true"
    return params


asks = st.builds(
    Ask,
    brands=st.lists(st.sampled_from(BRANDS), max_size=2, unique=True).map(tuple),
    category_path=st.none() | st.sampled_from(["home", "home/kitchen", "tech", "home/garden"]),
    min_price=st.none() | st.sampled_from([0, 999, 1_000, 2_500, 10_000]),
    max_price=st.none() | st.sampled_from([999, 2_499, 9_999, 300_000]),
    min_rating=st.none() | st.sampled_from([1.0, 2.5, 4.0]),
    attributes=st.dictionaries(
        st.sampled_from(["color", "size"]),
        st.lists(st.sampled_from([*COLORS, "S", "M"]), min_size=1, max_size=2).map(tuple),
        max_size=2,
    ),
)
# What no facet covers: the text, a merchant (by index), in stock only.
narrowings = st.tuples(
    st.none() | st.sampled_from(["steel", "lamp", "smart speaker", "wood", "knif", "nothingmatches"]),
    st.none() | st.sampled_from([0, 1]),
    st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ask=asks, narrowing=narrowings)
def test_every_facet_equals_a_brute_force_count(
    api: httpx.Client, shop: Shop, ask: Ask, narrowing: tuple[str | None, int | None, bool]
) -> None:
    q, merchant_index, in_stock = narrowing
    if ask.min_price is not None and ask.max_price is not None and ask.min_price > ask.max_price:
        ask = Ask(**{**ask.__dict__, "max_price": None})
    merchant = shop.merchants[merchant_index].merchant_id if merchant_index is not None else None
    base = _params(q, merchant, in_stock)
    narrowed = list_all_pages(api, "/v1/products", base)  # text, merchant, in stock: what no facet covers
    params = dict(base, facets="all")
    category_slug = {path: slug for path, (slug, _) in shop.names.items()}
    if ask.brands:
        params["brand"] = list(ask.brands)
    if ask.category_path is not None:
        params["category"] = category_slug[ask.category_path]
    for name in ("min_price", "max_price", "min_rating"):
        if getattr(ask, name) is not None:
            params[name] = getattr(ask, name)
    for name, values in ask.attributes.items():
        params[f"attr.{name}"] = list(values)
    response = api.get("/v1/products", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["facet_counts"] == "exact"
    assert body["facets"] == expected_facets(narrowed, ask, names=shop.names)
    listed = list_all_pages(api, "/v1/products", {k: v for k, v in params.items() if k != "facets"})
    assert {p["id"] for p in listed} == {p["id"] for p in narrowed if allowed(p, ask)}


def test_each_facet_ignores_its_own_filter_only(api: httpx.Client, shop: Shop) -> None:
    unfiltered = api.get("/v1/products", params={"facets": "all"}).json()["facets"]
    picked = api.get("/v1/products", params={"facets": "all", "brand": "acme"}).json()["facets"]
    assert picked["brand"] == unfiltered["brand"]  # every brand still offered, with its full count
    acme = next(b["count"] for b in unfiltered["brand"] if b["value"] == "acme")
    roots = {c["value"]: c["count"] for c in picked["category"] if c["value"] in ("home", "tech")}
    assert sum(roots.values()) == acme  # the category facet is narrowed to acme's products


def test_facets_are_only_answered_when_asked_for(api: httpx.Client, shop: Shop) -> None:
    plain = api.get("/v1/products").json()
    assert set(plain) == {"object", "items", "next_cursor"}
    one = api.get("/v1/products", params={"facets": ["brand", "rating"]}).json()
    assert set(one["facets"]) == {"brand", "rating"} and one["facet_counts"] == "exact"


async def test_past_the_threshold_counts_are_estimated_from_a_fixed_sample(
    api: httpx.Client, engine: AsyncEngine, database_url: str
) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    everything = list_all_pages(api, "/v1/products", {"limit": 100})
    async with engine.connect() as conn:
        counted = await count_facets(
            conn,
            filters=SearchFilters(),
            query=None,
            facets=facets_asked([Facet.ALL]),
            exact_up_to=1_000,
            sample_target=500,
        )
        buckets = counted.sampled_buckets
        sampled = {
            row[0]
            for row in await conn.exec_driver_sql(
                f"SELECT id FROM products WHERE (hashtext(id) & {SAMPLE_BUCKETS - 1}) < {buckets}"
            )
        }
    names = {c["path"]: (c["slug"], c["name"]) for c in list_all_pages(api, "/v1/categories", {"limit": 100})}
    assert counted.exactness == "estimated"
    assert buckets in (128, 256, 512)  # a power of two: 500 to 1,000 of the 3,000 products expected
    assert 300 < len(sampled) < 1_500
    expected = expected_facets(
        [p for p in everything if p["id"] in sampled], Ask(), names=names, scale=SAMPLE_BUCKETS / buckets
    )
    assert counted.facets.model_dump() == expected


async def test_a_small_base_set_is_counted_exactly_even_with_a_low_threshold(
    engine: AsyncEngine, api: httpx.Client, shop: Shop
) -> None:
    async with engine.connect() as conn:
        counted = await count_facets(
            conn, filters=SearchFilters(), query=None, facets=facets_asked([Facet.BRAND]), exact_up_to=100
        )
    assert counted.exactness == "exact"
    assert sum(brand.count for brand in counted.facets.brand or []) == 40
