"""Search test data: a small curated catalog whose right answers are known, and helpers to query it.

Products are made through the merchant API and rated through the review API, so every search column
and facet row is written by the same triggers as in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.catalog_factories import make_brand, make_category, make_product
from tests.factories import Account, customer, merchant_staff


@dataclass
class Curated:
    """The curated catalog: products by a short key, the merchant that sells them, and a few shoppers."""

    staff: Account
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    shoppers: list[Account] = field(default_factory=list)

    def id(self, key: str) -> str:
        return str(self.products[key]["id"])

    def key_of(self, product_id: str) -> str:
        return next(key for key, product in self.products.items() if product["id"] == product_id)

    def rate(self, api: httpx.Client, key: str, *ratings: int) -> None:
        """Give the product one review per rating, each by another shopper."""
        while len(self.shoppers) < len(ratings):
            self.shoppers.append(customer(api))
        for shopper, rating in zip(self.shoppers, ratings, strict=False):
            response = api.post(
                f"/v1/products/{self.id(key)}/reviews", json={"rating": rating, "title": "ok"}, headers=shopper.headers
            )
            assert response.status_code == 201, response.text


# key: (name, brand, category, description, [(price, attributes)])
CURATED: dict[str, tuple[str, str, str, str, list[tuple[int, dict[str, str]]]]] = {
    "aurora_headphones": (
        "Aurora Wireless Headphones",
        "aurora",
        "headphones",
        "Over-ear, forty hours of battery.",
        [(19_900, {"color": "Black"}), (21_900, {"color": "Sand"})],
    ),
    "aurora_case": (
        "Aurora Wireless Headphones Case",
        "aurora",
        "headphones",
        "A hard shell for your headphones.",
        [(2_900, {"color": "Black"})],
    ),
    "boreal_studio": (
        "Boreal Studio Headphones",
        "boreal",
        "headphones",
        "Wired monitoring headphones for the studio.",
        [(14_900, {"color": "Black"})],
    ),
    "cascade_speaker": (
        "Cascade Bluetooth Speaker",
        "cascade",
        "speakers",
        "Loud and waterproof; pairs with any wireless headphones too.",
        [(8_900, {"color": "Blue"}), (8_900, {"color": "Red"})],
    ),
    "soundbar": (
        "Cascade Soundbar",
        "cascade",
        "speakers",
        "Slim, with a wall bracket.",
        [(12_900, {"color": "Black"})],
    ),
    "aurora_pad": (
        "Wireless Charging Pad",
        "aurora",
        "chargers",
        "Charges phones and earbuds.",
        [(2_500, {})],
    ),
    "torch": (
        "Crème Brûlée Torch",
        "cascade",
        "kitchen",
        "A butane torch for desserts.",
        [(3_500, {})],
    ),
    "aurora_lamp": (
        "Reading Lamp",
        "boreal",
        "lighting",
        "Warm light, as soft as an aurora.",
        [(4_500, {"color": "White"})],
    ),
    "speaker_stand": (
        "Oak Stand",
        "boreal",
        "kitchen",
        "Holds two bookshelf speakers.",
        [(6_000, {})],
    ),
    "audio_brand_cable": (
        "Braided Cable",
        "audio-pro",
        "kitchen",
        "One metre.",
        [(1_500, {})],
    ),
}


def build_curated(api: httpx.Client, database_url: str) -> Curated:
    """Brands, a category tree and the curated products (unrated)."""
    for slug, name in (("aurora", "Aurora"), ("boreal", "Boreal"), ("cascade", "Cascade"), ("audio-pro", "Audio Pro")):
        make_brand(database_url, slug=slug, name=name)
    make_category(database_url, slug="electronics", name="Electronics")
    make_category(database_url, slug="audio", name="Audio", parent="electronics")
    make_category(database_url, slug="headphones", name="Headphones", parent="audio")
    make_category(database_url, slug="speakers", name="Speakers", parent="audio")
    make_category(database_url, slug="chargers", name="Chargers", parent="electronics")
    make_category(database_url, slug="home", name="Home")
    make_category(database_url, slug="kitchen", name="Kitchen", parent="home")
    make_category(database_url, slug="lighting", name="Lighting", parent="home")
    curated = Curated(staff=merchant_staff(api, database_url, merchant_name="Curated Goods"))
    for key, (name, brand, category, description, skus) in CURATED.items():
        curated.products[key] = make_product(
            api,
            curated.staff,
            name=name,
            brand=brand,
            category=category,
            description=description,
            skus=[{"price": price, "attributes": attributes} for price, attributes in skus],
        )
    return curated


def search(api: httpx.Client, **params: Any) -> dict[str, Any]:
    """GET /v1/products with the params; asserts a 200 and returns the body."""
    response = api.get("/v1/products", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def found(api: httpx.Client, curated: Curated, q: str, **params: Any) -> list[str]:
    """The curated keys a search returns, in order (first page of up to 100)."""
    return [curated.key_of(item["id"]) for item in search(api, q=q, limit=100, **params)["items"]]
