"""Row generation for the demo catalog: products with their SKUs, stock, stock ledger and reviews.

Rows are made in chunks, each from its own `random.Random` seeded by the chunk's first product number,
so a seed is the same demo every time (ids and timestamps aside), whichever process builds it. Summary
columns are computed from the very rows generated beside them: `price_min/price_max` from the SKUs,
the rating summary from the reviews, and every inventory row gets the ledger 'receive' row it sums to.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson

from mercato.kernel.ids import new_id
from mercato.seed.accounts import Shopper
from mercato.seed.reference import BrandRef, LeafRef, MerchantRef
from mercato.seed.vocabulary import Leaf, prose, slug_of
from mercato.seed.vocabulary.media import TITLE_NOUNS, TITLE_OPENERS

Row = tuple[object, ...]

CURRENCY = "usd"
MODELS = ("", "", "", " Pro", " Lite", " 2", " 3", " Max", " Mini", " Plus", " S", " X")
SKU_COUNTS = (1, 2, 3, 4)
SKU_COUNT_WEIGHTS = (35, 30, 20, 15)
DIGITAL_STOCK = 10_000  # licences and downloads: plenty, but still counted like any stock
OUT_OF_STOCK_SHARE = 0.07
NO_REVIEWS_SHARE = 0.15
CATALOG_AGE_SECONDS = 2 * 365 * 24 * 3600
RECEIVE_REASON = "initial stock (demo seed)"
_PROPER = frozenset({"Bluetooth", "Japanese", "German", "Damascus", "Turkish", "Merino", "Vibram"})
_CAPITALISED = re.compile(r"\b([A-Z])([a-z]+)\b")


@dataclass(frozen=True, slots=True)
class Variant:
    """One combination of a leaf's axis values, ready to become a SKU."""

    attributes: str  # JSON object, axis order kept
    label: str
    price_delta: int
    digital: bool


@dataclass(slots=True)
class Chunk:
    """The rows of one chunk of products, per table, in the order they must be loaded."""

    products: list[Row] = field(default_factory=list)
    skus: list[Row] = field(default_factory=list)
    inventory: list[Row] = field(default_factory=list)
    ledger: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)


def in_sentence(text: str) -> str:
    """A title-cased phrase as it reads mid-sentence: "Noise-Cancelling" → "noise-cancelling", "USB-C" kept."""
    return _CAPITALISED.sub(lambda m: m.group(0) if m.group(0) in _PROPER else m.group(0).lower(), text)


def with_article(text: str) -> str:
    """'a' or 'an' before a phrase, none before a plural ("wireless earbuds"); good enough for the vocabulary."""
    if text.endswith("s") and not text.endswith(("ss", "us")):
        return text
    return ("an " if text[:1] in "aeioAEIO" or text[:1] == "u" else "a ") + text


def variants_of(leaf: Leaf) -> tuple[Variant, ...]:
    """Every combination of the leaf's axis values."""
    result = []
    for combo in itertools.product(*(list(enumerate(axis.values)) for axis in leaf.axes)):
        attributes = {axis.name: value for axis, (_, value) in zip(leaf.axes, combo, strict=True)}
        result.append(
            Variant(
                attributes=orjson.dumps(attributes).decode(),
                label=" / ".join(value for _, value in combo),
                price_delta=sum(axis.delta(i) for axis, (i, _) in zip(leaf.axes, combo, strict=True)),
                digital=leaf.digital
                or any(value in axis.digital_values for axis, (_, value) in zip(leaf.axes, combo, strict=True)),
            )
        )
    return tuple(result)


def rating_average(total: int, count: int) -> str:
    """total/count rounded half-up to two decimals, as PostgreSQL's round(numeric, 2) does; '0.00' if none."""
    if count == 0:
        return "0.00"
    hundredths = (total * 200 + count) // (2 * count)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@dataclass(frozen=True, slots=True)
class _Draft:
    """The choices made for one product, shared by its SKUs, description and reviews."""

    seq: int
    product_id: str
    merchant: MerchantRef
    ref: LeafRef
    brand: BrandRef
    name: str
    feature: str
    noun: str
    highlights: tuple[str, str, str]
    variants: tuple[Variant, ...]
    created: datetime


class CatalogGenerator:
    """Makes products for the given merchants, reviewed by the given shoppers."""

    def __init__(self, merchants: list[MerchantRef], shoppers: list[Shopper], *, now: datetime, max_reviews: int):
        self._merchants = [m for m in merchants if m.leaves]
        self._cum_shares = list(itertools.accumulate(m.spec.share for m in self._merchants))
        self._variants = {ref.leaf.slug: variants_of(ref.leaf) for m in self._merchants for ref in m.leaves}
        self._shoppers = shoppers
        self._now = now
        self._max_reviews = min(max_reviews, len(shoppers))

    def chunk(self, first_seq: int, count: int) -> Chunk:
        """Products number `first_seq` … `first_seq + count - 1` and everything that hangs from them."""
        rng = random.Random(f"mercato-demo-seed:{first_seq}")
        chunk = Chunk()
        for seq in range(first_seq, first_seq + count):
            draft = self._draft(rng, seq)
            prices = self._skus(rng, draft, chunk)
            description = self._description(rng, draft)
            review_count, review_total = self._reviews(rng, draft, chunk)
            chunk.products.append(
                (
                    draft.product_id,
                    draft.merchant.id,
                    draft.name,
                    f"{slug_of(draft.name)}-{seq}",  # the sequence number keeps slugs unique
                    description,
                    draft.brand.id,
                    draft.ref.category_id,
                    "active",
                    CURRENCY,
                    min(prices),
                    max(prices),
                    review_count,
                    review_total,
                    rating_average(review_total, review_count),
                    draft.created,
                    draft.created,
                )
            )
        return chunk

    def _draft(self, rng: random.Random, seq: int) -> _Draft:
        merchant = rng.choices(self._merchants, cum_weights=self._cum_shares)[0]
        ref = rng.choice(merchant.leaves)
        leaf = ref.leaf
        brand = rng.choice(ref.brands)
        feature = rng.choice(leaf.features)
        noun = rng.choice(leaf.nouns)
        title = f"{rng.choice(TITLE_OPENERS)} {rng.choice(TITLE_NOUNS)}"
        name = leaf.pattern.format(brand=brand.name, feature=feature, noun=noun, model=rng.choice(MODELS), title=title)
        variants = self._variants[leaf.slug]
        count = min(rng.choices(SKU_COUNTS, cum_weights=_SKU_CUM)[0], len(variants))
        h1, h2, h3 = rng.sample(leaf.highlights, 3)
        return _Draft(
            seq=seq,
            product_id=new_id("product"),
            merchant=merchant,
            ref=ref,
            brand=brand,
            name=name,
            feature=feature,
            noun=noun,
            highlights=(h1, h2, h3),
            variants=tuple(variants[i] for i in sorted(rng.sample(range(len(variants)), count))),
            created=self._now - timedelta(seconds=rng.randrange(CATALOG_AGE_SECONDS)),
        )

    def _skus(self, rng: random.Random, draft: _Draft, chunk: Chunk) -> list[int]:
        """Write the product's SKUs and their stock; return their prices."""
        leaf = draft.ref.leaf
        base_price = rng.randint(*leaf.price_dollars) * 100 - rng.choice((1, 1, 1, 5, 51))
        grams = rng.randint(*leaf.weight_grams)
        prices = []
        for position, variant in enumerate(draft.variants, start=1):
            price = max(99, base_price + variant.price_delta)
            prices.append(price)
            sku_id = new_id("sku")
            chunk.skus.append(
                (
                    sku_id,
                    draft.product_id,
                    draft.merchant.id,
                    f"{draft.brand.code}-{draft.seq:07d}-{position}",
                    variant.attributes,
                    price,
                    CURRENCY,
                    0 if variant.digital else grams,
                    variant.digital,
                    "active",
                    draft.created,
                    draft.created,
                )
            )
            for warehouse_id, on_hand in zip(
                draft.merchant.warehouse_ids, self._stock_levels(rng, variant, draft.merchant), strict=True
            ):
                chunk.inventory.append((sku_id, warehouse_id, on_hand, 0, draft.created))
                chunk.ledger.append(
                    (sku_id, warehouse_id, "receive", on_hand, 0, RECEIVE_REASON, None, "seed", draft.created)
                )
        return prices

    @staticmethod
    def _stock_levels(rng: random.Random, variant: Variant, merchant: MerchantRef) -> list[int]:
        """On hand per warehouse: digital goods plenty in the first, some SKUs sold out, the rest spread."""
        warehouses = len(merchant.warehouse_ids)
        if variant.digital:
            return [DIGITAL_STOCK] + [0] * (warehouses - 1)
        if rng.random() < OUT_OF_STOCK_SHARE:
            return [0] * warehouses
        levels = [0 if rng.random() < 0.3 else rng.randint(1, 250) for _ in range(warehouses)]
        if not any(levels):
            levels[0] = rng.randint(1, 40)
        return levels

    @staticmethod
    def _description(rng: random.Random, draft: _Draft) -> str:
        feature, noun = in_sentence(draft.feature), in_sentence(draft.noun)
        words = {
            "name": draft.name,
            "brand": draft.brand.name,
            "feature": feature,
            "noun": noun,
            "a_thing": with_article(f"{feature} {noun}"),
            "h1": draft.highlights[0],
            "h2": draft.highlights[1],
            "h3": draft.highlights[2],
        }
        closers = prose.DIGITAL_CLOSERS if all(v.digital for v in draft.variants) else prose.PHYSICAL_CLOSERS
        options = ", ".join(v.label for v in draft.variants)
        return " ".join(
            (
                rng.choice(prose.DESCRIPTION_OPENERS).format_map(words),
                rng.choice(prose.DESCRIPTION_MIDDLES).format_map(words),
                f"Options: {options}.",
                rng.choice(closers),
                f"Category: {draft.ref.leaf.name}.",
            )
        )

    def _reviews(self, rng: random.Random, draft: _Draft, chunk: Chunk) -> tuple[int, int]:
        """Write the product's reviews; return (count, rating total) for its summary columns."""
        if self._max_reviews == 0 or rng.random() < NO_REVIEWS_SHARE:
            return 0, 0
        count = rng.randint(1, self._max_reviews)
        quality = rng.uniform(2.6, 4.9)
        age = (self._now - draft.created).total_seconds()
        words = {
            "noun": in_sentence(draft.noun),
            "brand": draft.brand.name,
            "h1": draft.highlights[0],
            "h2": draft.highlights[1],
        }
        total = 0
        for index in rng.sample(range(len(self._shoppers)), count):
            shopper = self._shoppers[index]
            rating = min(5, max(1, round(rng.gauss(quality, 0.9))))
            total += rating
            words["time"] = rng.choice(prose.USAGE_TIMES)
            opener = rng.choice(prose.REVIEW_OPENERS[rating]).format_map(words)
            detail = rng.choice(prose.REVIEW_DETAILS[rating]).format_map(words)
            chunk.reviews.append(
                (
                    new_id("review"),
                    draft.product_id,
                    shopper.user_id,
                    shopper.name,
                    rating,
                    rng.choice(prose.REVIEW_TITLES[rating]),
                    f"{opener} {detail[:1].upper()}{detail[1:]}",
                    draft.created + timedelta(seconds=rng.random() * age),
                )
            )
        return count, total


_SKU_CUM = list(itertools.accumulate(SKU_COUNT_WEIGHTS))
