"""Search rules without a database: query words, prefixes, facets asked, attribute filters, buckets."""

from __future__ import annotations

import pytest

from mercato.search.domain import (
    MAX_QUERY_WORDS,
    AttributeFilter,
    AttributeFilterError,
    Facet,
    QueryText,
    SearchSort,
    attribute_token,
    effective_sort,
    estimated_count,
    facets_asked,
    parse_attribute_filters,
    parse_query,
    price_bucket,
    query_problem,
    split_token,
)


@pytest.mark.parametrize("q", [None, "", "   ", "!!!", "&|!():*'\\\"", " - _ "])
def test_a_query_without_words_is_plain_browsing(q: str | None) -> None:
    assert parse_query(q) is None


def test_query_syntax_only_separates_words() -> None:
    assert parse_query("wireless&head:*phones|!(x)") == QueryText(("wireless", "head", "phones", "x"), False)
    assert parse_query("o'neill") == QueryText(("o", "neill"), True)


def test_the_last_word_is_a_prefix_while_it_is_being_typed() -> None:
    assert parse_query("wireless headph") == QueryText(("wireless", "headph"), True)
    assert parse_query("wireless headphones ") == QueryText(("wireless", "headphones"), False)
    assert parse_query("wireless headphones.") == QueryText(("wireless", "headphones"), False)
    assert parse_query("tv a") == QueryText(("tv", "a"), False)  # one letter is too short for a prefix


def test_accented_and_non_latin_words_are_words() -> None:
    assert parse_query("Crème brûlée 鞋子") == QueryText(("Crème", "brûlée", "鞋子"), True)


def test_only_the_first_words_count() -> None:
    words = " ".join(f"w{i}" for i in range(MAX_QUERY_WORDS + 5))
    parsed = parse_query(words)
    assert parsed is not None and len(parsed.words) == MAX_QUERY_WORDS and not parsed.prefix_last


def test_query_problems() -> None:
    assert query_problem("x" * 200) is None
    assert query_problem("x" * 201) == "q must be at most 200 characters"
    assert query_problem("a\x00b") is not None
    assert query_problem(None) is None


def test_relevance_is_the_default_only_for_text() -> None:
    text = parse_query("lamp")
    assert effective_sort(None, text) is SearchSort.RELEVANCE
    assert effective_sort(None, None) is SearchSort.NEWEST
    assert effective_sort(SearchSort.PRICE, text) is SearchSort.PRICE


def test_all_facets_means_every_facet() -> None:
    assert facets_asked([Facet.ALL]) == {Facet.BRAND, Facet.CATEGORY, Facet.PRICE, Facet.RATING, Facet.ATTRIBUTES}
    assert facets_asked([Facet.BRAND, Facet.BRAND]) == {Facet.BRAND}
    assert facets_asked([]) == frozenset()


def test_attribute_filters_group_values_by_name() -> None:
    pairs = [("attr.color", "Red"), ("q", "x"), ("attr.size", "M"), ("attr.color", "Blue"), ("attr.color", "Red")]
    assert parse_attribute_filters(pairs) == (
        AttributeFilter("color", ("Red", "Blue")),
        AttributeFilter("size", ("M",)),
    )
    assert parse_attribute_filters([("brand", "acme")]) == ()


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ([("attr.", "x")], "query.attr."),
        ([("attr.color", " ")], "query.attr.color"),
        ([("attr.color", "a\x1fb")], "query.attr.color"),
        ([("attr.color", "x" * 101)], "query.attr.color"),
        ([(f"attr.a{i}", "x") for i in range(11)], "query.attr"),
        ([("attr.color", f"v{i}") for i in range(21)], "query.attr.color"),
    ],
)
def test_unusable_attribute_filters_are_refused(pairs: list[tuple[str, str]], field: str) -> None:
    with pytest.raises(AttributeFilterError) as raised:
        parse_attribute_filters(pairs)
    assert raised.value.field == field


def test_attribute_tokens_round_trip() -> None:
    assert split_token(attribute_token("color", "Forest Green")) == ("color", "Forest Green")


def test_price_buckets_are_inclusive_and_the_last_is_open() -> None:
    assert price_bucket(0) == (0, 999)
    assert price_bucket(1) == (1_000, 2_499)
    assert price_bucket(8) == (250_000, None)


@pytest.mark.parametrize(
    ("sampled", "scale", "shown"), [(0, 64, 0), (1, 64, 64), (3, 64, 190), (157, 64, 10_000), (1, 0.5, 1)]
)
def test_estimated_counts_keep_two_significant_digits(sampled: int, scale: float, shown: int) -> None:
    assert estimated_count(sampled, scale) == shown
