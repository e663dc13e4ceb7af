"""The shapes of the demo vocabulary: a category tree whose leaves say how their products are named,
described, varied, priced and weighed.

Words are written as `"a|b|c"` strings so that a leaf reads as one short block of prose-like data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Axis:
    """One variant dimension of a SKU (colour, size, capacity…) and what each value adds to the base price."""

    name: str
    values: tuple[str, ...]
    price_deltas: tuple[int, ...] = ()  # cents per value; empty means no surcharge
    digital_values: frozenset[str] = frozenset()  # values that make a SKU digital (e-book, audiobook)

    def delta(self, index: int) -> int:
        """The surcharge (cents, may be negative) of the value at `index`."""
        return self.price_deltas[index] if self.price_deltas else 0


@dataclass(frozen=True, slots=True)
class Leaf:
    """A leaf category (products live only in leaves) and the words its products are made of."""

    slug: str
    name: str
    nouns: tuple[str, ...]
    features: tuple[str, ...]
    highlights: tuple[str, ...]
    axes: tuple[Axis, ...]
    price_dollars: tuple[int, int]
    weight_grams: tuple[int, int]
    brand_group: str
    digital: bool  # every SKU is digital (software licences)
    pattern: str  # how a product name is put together


@dataclass(frozen=True, slots=True)
class Node:
    """A root or middle category and its children."""

    slug: str
    name: str
    children: tuple[Node | Leaf, ...]


def words(text: str) -> tuple[str, ...]:
    """`"a|b|c"` → `("a", "b", "c")`."""
    return tuple(part.strip() for part in text.split("|"))


def axis(name: str, values: str, *, deltas: tuple[int, ...] = (), digital: str = "") -> Axis:
    """An axis from `"v1|v2|…"`, optional per-value surcharges in cents, and the values that are digital."""
    parsed = words(values)
    if deltas and len(deltas) != len(parsed):
        raise ValueError(f"axis {name}: {len(parsed)} values but {len(deltas)} price deltas")
    return Axis(name, parsed, deltas, frozenset(words(digital)) if digital else frozenset())


def leaf(
    slug: str,
    name: str,
    *,
    nouns: str,
    features: str,
    highlights: str,
    axes: tuple[Axis, ...],
    price: tuple[int, int],
    grams: tuple[int, int],
    brands: str,
    digital: bool = False,
    pattern: str = "{brand} {feature} {noun}{model}",
) -> Leaf:
    """A leaf category from its words; `price` is a range of whole dollars, `grams` of shipping weights."""
    return Leaf(
        slug=slug,
        name=name,
        nouns=words(nouns),
        features=words(features),
        highlights=words(highlights),
        axes=axes,
        price_dollars=price,
        weight_grams=grams,
        brand_group=brands,
        digital=digital,
        pattern=pattern,
    )


COLORS = axis("color", "Black|White|Silver|Midnight Blue|Forest Green|Sand")
APPAREL_COLORS = axis("color", "Black|Navy|Heather Gray|Olive|Burgundy|White")
APPAREL_SIZES = axis("size", "XS|S|M|L|XL|XXL")
SHOE_SIZES = axis("size", "US 6|US 7|US 8|US 9|US 10|US 11|US 12")


def slug_of(name: str) -> str:
    """A URL slug: lower case, '&' spelled out, every other run of non-alphanumerics one hyphen."""
    lowered = name.lower().replace("&", " and ").replace("'", "")
    return _NOT_SLUG.sub("-", lowered).strip("-")
