"""Pure catalog rules: statuses, price ranges, slugs, rating arithmetic, image types. No I/O.

The services and the SQL they run follow these rules; keeping them here makes them testable
without a database and names each rule once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

# Prices are stored as PostgreSQL `integer`; this bound keeps every price, and a few of them summed,
# far inside it (ten million in a two-decimal currency).
MAX_PRICE = 1_000_000_000
MAX_WEIGHT_GRAMS = 10_000_000
MIN_RATING = 1
MAX_RATING = 5


class ProductStatus(StrEnum):
    """Where a product is in its life: only `active` ones are shown to the public."""

    ACTIVE = "active"
    DRAFT = "draft"
    ARCHIVED = "archived"


class SkuStatus(StrEnum):
    """Only `active` SKUs can be bought and count towards the product's price range."""

    ACTIVE = "active"
    ARCHIVED = "archived"


# Which status a merchant may set with PATCH, from which status. Archiving has its own action and
# is final: an archived product keeps its history (orders point at its SKUs) but changes no more.
_STATUS_CHANGES: dict[ProductStatus, frozenset[ProductStatus]] = {
    ProductStatus.ACTIVE: frozenset({ProductStatus.ACTIVE, ProductStatus.DRAFT}),
    ProductStatus.DRAFT: frozenset({ProductStatus.ACTIVE, ProductStatus.DRAFT}),
    ProductStatus.ARCHIVED: frozenset(),
}


def status_change_allowed(current: ProductStatus, new: ProductStatus) -> bool:
    """Whether a product in `current` may be set to `new` by an edit."""
    return new in _STATUS_CHANGES[current]


def is_editable(status: ProductStatus) -> bool:
    """Whether a product's fields and SKUs may still change (archived products are frozen)."""
    return status is not ProductStatus.ARCHIVED


@dataclass(frozen=True, slots=True)
class SkuDraft:
    """A SKU as a merchant describes it, before it exists."""

    code: str
    price: int
    currency: str
    attributes: dict[str, Any] = field(default_factory=dict)
    weight_grams: int = 0
    digital: bool = False


def first_foreign_currency(currencies: Sequence[str], currency: str) -> int | None:
    """The index of the first currency that is not `currency`: a product sells in one currency only."""
    for index, candidate in enumerate(currencies):
        if candidate != currency:
            return index
    return None


def first_repeated(values: Sequence[str]) -> int | None:
    """The index of the first value seen before in the sequence (a SKU code given twice), or None."""
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            return index
        seen.add(value)
    return None


def price_range(prices: Iterable[int]) -> tuple[int, int] | None:
    """(lowest, highest) of the active SKUs' prices, or None when nothing is for sale."""
    values = list(prices)
    if not values:
        return None
    return min(values), max(values)


def price_window_valid(min_price: int | None, max_price: int | None) -> bool:
    """A price filter is valid unless its lower bound lies above its upper bound."""
    return min_price is None or max_price is None or min_price <= max_price


def price_in_window(price: int, min_price: int | None, max_price: int | None) -> bool:
    """Whether one price matches a min/max filter (both bounds inclusive)."""
    return (min_price is None or price >= min_price) and (max_price is None or price <= max_price)


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG_LENGTH = 80


def slugify(text: str) -> str:
    """A URL-friendly slug of a name: ASCII letters and digits joined by single hyphens.

    Accents are folded ("Café" → "cafe"); a name with no letters or digits at all gives "item",
    so a product always has a usable slug.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_ALNUM.sub("-", folded).strip("-")[:MAX_SLUG_LENGTH].rstrip("-")
    return slug or "item"


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_valid_slug(value: str) -> bool:
    """Whether a brand or category slug is well formed: lower-case words joined by hyphens."""
    return len(value) <= MAX_SLUG_LENGTH and bool(_SLUG.match(value))


def category_path(parent_path: str | None, slug: str) -> str:
    """A category's path: its ancestors' slugs and its own, root first, joined by '/'."""
    return f"{parent_path}/{slug}" if parent_path else slug


def rating_average(total: int, count: int) -> Decimal:
    """The mean rating to two decimals, rounded half up; 0 when there are no reviews yet.

    The review writer stores the same figure in `products.rating_avg` (SQL `round(numeric, 2)`,
    which also rounds half away from zero), so sorting by rating agrees with what is displayed.
    """
    if count <= 0:
        return Decimal("0.00")
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rating_valid(rating: int) -> bool:
    """A review rates from 1 to 5 stars."""
    return MIN_RATING <= rating <= MAX_RATING


# Magic numbers of the image formats we accept; the client's filename and Content-Type are not trusted.
_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)

IMAGE_EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
}


def sniff_image_type(data: bytes) -> str | None:
    """The image's media type judged by its first bytes (JPEG, PNG, GIF, WebP), or None for anything else."""
    for signature, media_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return media_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
