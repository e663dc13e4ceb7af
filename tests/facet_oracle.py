"""The facet counts a search should give, computed by brute force in Python from the catalog as the API
shows it (every product with its brand, category path, rating and SKUs), for checking the SQL.

It states the rules of docs/search.md directly: a facet counts the products that pass every filter
except its own; a product counts once per brand, per category at or above its own, per price bucket one
of its active SKUs falls in, per rating step it reaches, and per attribute value one of its SKUs has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mercato.search.domain import PRICE_BUCKET_FLOORS, RATING_STEPS, estimated_count, price_bucket

TOP_VALUES = 20


@dataclass(frozen=True)
class Ask:
    """A request's filters, as the oracle understands them."""

    brands: tuple[str, ...] = ()
    category_path: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    min_rating: float | None = None
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _active(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [sku for sku in product["skus"] if sku["status"] == "active"]


def _has_attribute(product: dict[str, Any], name: str, values: tuple[str, ...]) -> Callable[[], bool]:
    return lambda: any(sku["attributes"].get(name) in values for sku in _active(product))


def _passes(product: dict[str, Any], ask: Ask, skip: str | None) -> bool:
    checks: dict[str, Callable[[], bool]] = {
        "brand": lambda: not ask.brands or product["brand"]["slug"] in ask.brands,
        "category": lambda: (
            ask.category_path is None
            or product["category"]["path"] == ask.category_path
            or product["category"]["path"].startswith(ask.category_path + "/")
        ),
        "price": lambda: any(
            (ask.min_price is None or sku["price"] >= ask.min_price)
            and (ask.max_price is None or sku["price"] <= ask.max_price)
            for sku in _active(product)
        ),
        "rating": lambda: ask.min_rating is None or product["rating"]["average"] >= ask.min_rating,
    }
    for name, values in ask.attributes.items():
        checks[f"attr:{name}"] = _has_attribute(product, name, values)
    return all(check() for key, check in checks.items() if key != skip)


def allowed(product: dict[str, Any], ask: Ask) -> bool:
    """Whether the product passes every filter of `ask` (so belongs in the list)."""
    return _passes(product, ask, None)


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))


def expected_facets(
    products: Iterable[dict[str, Any]], ask: Ask, *, names: dict[str, tuple[str, str]], scale: float = 1.0
) -> dict[str, Any]:
    """Every facet for `products` (already narrowed by text, merchant and in-stock); `names` maps a
    category path to its (slug, name). With `scale`, counts are shown as the API shows estimates."""
    shown: Callable[[int], int] = (lambda n: n) if scale == 1.0 else (lambda n: estimated_count(n, scale))
    products = list(products)
    brands: Counter[str] = Counter()
    brand_names: dict[str, str] = {}
    categories: Counter[str] = Counter()
    buckets: Counter[int] = Counter()
    ratings: Counter[int] = Counter()
    for product in products:
        if _passes(product, ask, "brand"):
            brands[product["brand"]["slug"]] += 1
            brand_names[product["brand"]["slug"]] = product["brand"]["name"]
        if _passes(product, ask, "category"):
            parts = product["category"]["path"].split("/")
            for depth in range(1, len(parts) + 1):
                categories["/".join(parts[:depth])] += 1
        if _passes(product, ask, "price"):
            hit = {
                max(i for i, floor in enumerate(PRICE_BUCKET_FLOORS) if sku["price"] >= floor)
                for sku in _active(product)
            }
            buckets.update(hit)
        if _passes(product, ask, "rating"):
            ratings.update(step for step in RATING_STEPS if product["rating"]["average"] >= step)
    attribute_values: dict[str, Counter[str]] = {}
    for product in products:
        for sku_name in {name for sku in _active(product) for name in sku["attributes"]}:
            if not _passes(product, ask, f"attr:{sku_name}"):
                continue
            values = {str(sku["attributes"][sku_name]) for sku in _active(product) if sku_name in sku["attributes"]}
            attribute_values.setdefault(sku_name, Counter()).update(values)
    reach = {name: max(counts.values()) for name, counts in attribute_values.items() if counts}
    attribute_names = sorted(reach, key=lambda name: (-reach[name], name))[:TOP_VALUES]
    return {
        "brand": [
            {"value": slug, "label": brand_names[slug], "count": shown(n)} for slug, n in _ranked(brands)[:TOP_VALUES]
        ],
        "category": [
            {"value": names[path][0], "label": names[path][1], "count": shown(n)}
            for path, n in _ranked(categories)[:TOP_VALUES]
        ],
        "price": [
            {"min": price_bucket(i)[0], "max": price_bucket(i)[1], "count": shown(buckets[i])}
            for i in sorted(buckets)
            if buckets[i]
        ],
        "rating": [{"min_rating": step, "count": shown(ratings[step])} for step in RATING_STEPS],
        "attributes": {
            name: [{"value": v, "count": shown(n)} for v, n in _ranked(attribute_values[name])[:TOP_VALUES]]
            for name in attribute_names
        },
    }
