"""The catalog's pure rules: statuses, price ranges, slugs, rating arithmetic, image sniffing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mercato.catalog.domain import (
    ProductStatus,
    category_path,
    first_foreign_currency,
    first_repeated,
    is_editable,
    is_valid_slug,
    price_in_window,
    price_range,
    price_window_valid,
    rating_average,
    rating_valid,
    slugify,
    sniff_image_type,
    status_change_allowed,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16


def test_price_range_is_lowest_and_highest_price() -> None:
    assert price_range([1299, 999, 4500]) == (999, 4500)
    assert price_range([700]) == (700, 700)


def test_price_range_of_nothing_for_sale_is_none() -> None:
    assert price_range([]) is None


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1))
def test_every_price_lies_within_the_range(prices: list[int]) -> None:
    bounds = price_range(prices)
    assert bounds is not None
    assert all(bounds[0] <= p <= bounds[1] for p in prices)


def test_price_window_bounds_are_inclusive_and_optional() -> None:
    assert price_in_window(500, 500, 500)
    assert price_in_window(500, None, None)
    assert not price_in_window(499, 500, None)
    assert not price_in_window(501, None, 500)


def test_price_window_with_min_above_max_is_invalid() -> None:
    assert price_window_valid(100, 200) and price_window_valid(None, 5) and price_window_valid(5, None)
    assert not price_window_valid(201, 200)


def test_slug_folds_accents_and_joins_words_with_single_hyphens() -> None:
    assert slugify("  Café Crème — 250 g!! ") == "cafe-creme-250-g"
    assert slugify("Blue/Green T-Shirt (XL)") == "blue-green-t-shirt-xl"


def test_slug_of_a_name_without_letters_is_still_usable() -> None:
    assert slugify("★★★") == "item"


@given(st.text(max_size=300))
def test_every_slug_is_valid(name: str) -> None:
    assert is_valid_slug(slugify(name))


def test_slug_validity() -> None:
    assert is_valid_slug("home-garden") and is_valid_slug("tv4k")
    for bad in ("Home", "home--garden", "-home", "home-", "home garden", "", "a" * 81, "home_garden"):
        assert not is_valid_slug(bad), bad


def test_category_path_is_parent_path_then_slug() -> None:
    assert category_path(None, "home") == "home"
    assert category_path("home/kitchen", "knives") == "home/kitchen/knives"


def test_rating_average_rounds_half_up_to_two_decimals() -> None:
    assert rating_average(0, 0) == Decimal("0.00")
    assert rating_average(13, 3) == Decimal("4.33")
    assert rating_average(14, 3) == Decimal("4.67")
    assert rating_average(9, 8) == Decimal("1.13")  # 1.125 rounds up, as SQL round(numeric, 2) does


def test_rating_is_one_to_five_stars() -> None:
    assert all(rating_valid(r) for r in range(1, 6))
    assert not rating_valid(0) and not rating_valid(6)


def test_active_and_draft_switch_freely_but_archived_is_final() -> None:
    assert status_change_allowed(ProductStatus.ACTIVE, ProductStatus.DRAFT)
    assert status_change_allowed(ProductStatus.DRAFT, ProductStatus.ACTIVE)
    assert not status_change_allowed(ProductStatus.ACTIVE, ProductStatus.ARCHIVED)
    assert not status_change_allowed(ProductStatus.ARCHIVED, ProductStatus.ACTIVE)
    assert is_editable(ProductStatus.DRAFT) and not is_editable(ProductStatus.ARCHIVED)


def test_first_foreign_currency_points_at_the_odd_sku() -> None:
    assert first_foreign_currency(["usd", "usd"], "usd") is None
    assert first_foreign_currency(["usd", "usd", "eur"], "usd") == 2


def test_first_repeated_points_at_the_second_occurrence() -> None:
    assert first_repeated(["A", "B"]) is None
    assert first_repeated(["A", "B", "A"]) == 2


@pytest.mark.parametrize(
    ("data", "media_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_images_are_recognised_by_their_magic_bytes(data: bytes, media_type: str) -> None:
    assert sniff_image_type(data) == media_type


@pytest.mark.parametrize(
    "data",
    [b"", b"just some text pretending to be a png", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"%PDF-1.7", b"\x89PNG"],
)
def test_anything_else_is_not_an_image(data: bytes) -> None:
    assert sniff_image_type(data) is None
