"""The demo seed's generator, without a database: reproducible, consistent, readable, and the same when
large seeds build chunks in a worker process."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercato.kernel.ids import new_id
from mercato.seed.accounts import Shopper
from mercato.seed.generate import CatalogGenerator, Chunk, in_sentence, rating_average, variants_of, with_article
from mercato.seed.pipeline import generate_chunks
from mercato.seed.reference import BrandRef, LeafRef, MerchantRef
from mercato.seed.vocabulary import BRANDS, CATEGORY_ROOTS, MERCHANTS, Leaf, Node, slug_of
from mercato.seed.vocabulary.media import MEDIA

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def leaves_of(node: Node | Leaf, root: str) -> list[tuple[Leaf, str]]:
    if isinstance(node, Leaf):
        return [(node, root)]
    return [pair for child in node.children for pair in leaves_of(child, root)]


def generator(max_reviews: int = 12, kind: type[CatalogGenerator] = CatalogGenerator) -> CatalogGenerator:
    """A generator over the real vocabulary with made-up ids, as `ensure_reference` would hand it over."""
    leaves = [pair for root in CATEGORY_ROOTS for pair in leaves_of(root, root.slug)]
    refs = [
        LeafRef(
            leaf,
            f"cat-{leaf.slug}",
            root,
            tuple(BrandRef(f"brd-{b}", b, b[:3].upper()) for b in BRANDS[leaf.brand_group]),
        )
        for leaf, root in leaves
    ]
    merchants = [
        MerchantRef(f"mer-{spec.slug}", spec, ("wh-1", "wh-2"), tuple(r for r in refs if r.root_slug in spec.sells))
        for spec in MERCHANTS
    ]
    shoppers = [Shopper(new_id("user"), f"Shopper {i}") for i in range(100)]
    return kind(merchants, shoppers, now=NOW, max_reviews=max_reviews)


def without_ids(chunk: Chunk) -> list[tuple[object, ...]]:
    return [(p[2], p[4], p[9], p[10], p[11], p[12], p[13], p[14]) for p in chunk.products]


def test_the_same_chunk_is_the_same_demo_every_time() -> None:
    first, second = generator().chunk(0, 60), generator().chunk(0, 60)

    assert without_ids(first) == without_ids(second)
    assert [p[0] for p in first.products] != [p[0] for p in second.products]  # ids are fresh
    assert without_ids(generator().chunk(60, 60)) != without_ids(first)


def test_summary_columns_agree_with_the_rows_generated_beside_them() -> None:
    chunk = generator().chunk(0, 300)

    for product in chunk.products:
        prices = [int(str(s[5])) for s in chunk.skus if s[1] == product[0]]
        ratings = [int(str(r[4])) for r in chunk.reviews if r[1] == product[0]]
        assert 1 <= len(prices) <= 4
        assert (product[9], product[10]) == (min(prices), max(prices))
        assert (product[11], product[12]) == (len(ratings), sum(ratings))
    assert [(i[0], i[1], i[2]) for i in chunk.inventory] == [(entry[0], entry[1], entry[3]) for entry in chunk.ledger]


def test_a_product_never_gets_two_reviews_from_one_shopper() -> None:
    chunk = generator(max_reviews=12).chunk(0, 300)

    pairs = [(r[1], r[2]) for r in chunk.reviews]
    assert len(pairs) == len(set(pairs))


@given(st.integers(min_value=1, max_value=10_000), st.data())
def test_rating_average_rounds_half_up_like_postgres(count: int, data: st.DataObject) -> None:
    total = data.draw(st.integers(min_value=count, max_value=5 * count))

    expected = (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert rating_average(total, count) == str(expected)


def test_no_reviews_average_zero() -> None:
    assert rating_average(0, 0) == "0.00"


def test_every_combination_of_a_leafs_axes_is_a_variant_and_ebooks_are_digital() -> None:
    books = next(leaf for leaf, _ in leaves_of(MEDIA, MEDIA.slug) if leaf.slug == "fiction")

    variants = variants_of(books)

    assert [v.label for v in variants] == ["Paperback", "Hardcover", "E-book", "Audiobook"]
    assert [v.digital for v in variants] == [False, False, True, True]
    assert variants[2].attributes == '{"format":"E-book"}'


def test_words_read_naturally_mid_sentence() -> None:
    assert in_sentence("Noise-Cancelling") == "noise-cancelling"
    assert in_sentence("USB-C") == "USB-C"
    assert in_sentence("Bluetooth") == "Bluetooth"
    assert with_article("ergonomic office chair") == "an ergonomic office chair"
    assert with_article("wireless headphones") == "wireless headphones"
    assert with_article("USB-C charger") == "a USB-C charger"


def test_slugs_are_lower_case_words_joined_by_hyphens() -> None:
    assert slug_of("Wren & Co.") == "wren-and-co"
    assert slug_of("Chef's Knife, 8-inch") == "chefs-knife-8-inch"


def test_the_vocabulary_is_complete_and_unambiguous() -> None:
    nodes: list[Node | Leaf] = []

    def walk(node: Node | Leaf) -> None:
        nodes.append(node)
        if isinstance(node, Node):
            for child in node.children:
                walk(child)

    for root in CATEGORY_ROOTS:
        walk(root)
    slugs = [n.slug for n in nodes]
    leaves = [n for n in nodes if isinstance(n, Leaf)]
    assert len(slugs) == len(set(slugs))
    assert all(slug == slug_of(slug) for slug in slugs)
    assert len({b for group in BRANDS.values() for b in group}) >= 30
    for leaf in leaves:
        assert leaf.brand_group in BRANDS, leaf.slug
        assert len(leaf.highlights) >= 3, leaf.slug
        assert leaf.price_dollars[0] >= 1 and leaf.weight_grams[0] >= 0, leaf.slug
        assert variants_of(leaf), leaf.slug
    assert {slug for m in MERCHANTS for slug in m.sells} == {root.slug for root in CATEGORY_ROOTS}


def test_background_generation_yields_the_same_chunks_in_order() -> None:
    inline = list(generate_chunks(generator(), first=0, total=250, chunk_size=60, background=False))
    background = list(generate_chunks(generator(), first=0, total=250, chunk_size=60, background=True))

    assert [len(c.products) for c in background] == [60, 60, 60, 60, 10]
    assert [without_ids(c) for c in background] == [without_ids(c) for c in inline]


class FailingGenerator(CatalogGenerator):
    def chunk(self, first_seq: int, count: int) -> Chunk:
        if first_seq == 120:
            raise ValueError("generation failed")
        return super().chunk(first_seq, count)


class DyingGenerator(CatalogGenerator):
    def chunk(self, first_seq: int, count: int) -> Chunk:
        if first_seq == 60:
            os._exit(3)  # the worker process disappears, as if killed
        return super().chunk(first_seq, count)


@pytest.mark.parametrize(("kind", "error"), [(FailingGenerator, ValueError), (DyingGenerator, Exception)])
def test_a_failing_worker_fails_the_seed_instead_of_hanging(kind: type[CatalogGenerator], error: type) -> None:
    with pytest.raises(error):
        list(generate_chunks(generator(kind=kind), first=0, total=300, chunk_size=60, background=True))
