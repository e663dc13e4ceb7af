"""Relevance on a small curated catalog: the product a shopper means comes first, whether they type its
exact name, misspell it or have typed only part of it; name beats brand beats category beats description."""

from __future__ import annotations

import httpx
import pytest

from tests.search_factories import Curated, build_curated, found, search


@pytest.fixture
def curated(api: httpx.Client, database_url: str) -> Curated:
    catalog = build_curated(api, database_url)
    # The case is better rated than the headphones, so only relevance can put the headphones first.
    catalog.rate(api, "aurora_case", 5, 5)
    catalog.rate(api, "aurora_headphones", 4)
    return catalog


def test_the_exact_name_ranks_first_even_above_a_better_rated_longer_name(api: httpx.Client, curated: Curated) -> None:
    assert found(api, curated, "Aurora Wireless Headphones")[:2] == ["aurora_headphones", "aurora_case"]
    assert found(api, curated, "aurora wireless headphones ")[0] == "aurora_headphones"


def test_a_misspelt_query_finds_what_was_meant(api: httpx.Client, curated: Curated) -> None:
    assert found(api, curated, "cascde bluetoth speeker")[0] == "cascade_speaker"
    assert found(api, curated, "borreal studdio")[0] == "boreal_studio"
    # The example: both products named wireless headphones first, the speaker that only
    # mentions them in its description after them.
    results = found(api, curated, "wireles hedphones")
    assert set(results[:2]) == {"aurora_headphones", "aurora_case"}
    assert results.index("cascade_speaker") > 1


def test_the_last_word_matches_as_a_prefix_while_typing(api: httpx.Client, curated: Curated) -> None:
    assert found(api, curated, "boreal stu")[0] == "boreal_studio"
    assert found(api, curated, "cascade blue")[0] == "cascade_speaker"
    assert found(api, curated, "sound")[0] == "soundbar"
    # A finished word (followed by a space) is not a prefix any more.
    assert found(api, curated, "cascade blue ") == []


def test_name_beats_brand_beats_category_beats_description(api: httpx.Client, curated: Curated) -> None:
    aurora = found(api, curated, "aurora")
    assert aurora == ["aurora_case", "aurora_headphones", "aurora_pad", "aurora_lamp"]
    speakers = found(api, curated, "speakers")
    assert speakers == ["cascade_speaker", "soundbar", "speaker_stand"]
    audio = found(api, curated, "audio")
    assert audio[0] == "audio_brand_cable"  # the brand "Audio Pro" before the category "Audio"
    assert set(audio[1:]) == {"aurora_headphones", "aurora_case", "boreal_studio", "cascade_speaker", "soundbar"}


def test_ties_go_to_the_better_rated_then_the_more_often_rated(api: httpx.Client, curated: Curated) -> None:
    curated.rate(api, "boreal_studio", 5)
    # aurora_case (5.00 by 2) and boreal_studio (5.00 by 1) tie on rating; popularity breaks the tie.
    assert found(api, curated, "headphones")[:3] == ["aurora_case", "boreal_studio", "aurora_headphones"]


def test_words_are_stemmed_and_accents_folded(api: httpx.Client, curated: Curated) -> None:
    assert found(api, curated, "headphone studio")[0] == "boreal_studio"
    assert found(api, curated, "creme brulee")[0] == "torch"
    assert found(api, curated, "CRÈME")[0] == "torch"


def test_every_word_must_match(api: httpx.Client, curated: Curated) -> None:
    assert found(api, curated, "aurora cascade") == []
    assert found(api, curated, "aurora studio") == []
    assert found(api, curated, "aurora lamp") == ["aurora_lamp"]  # one word in the name, one in the description


@pytest.mark.parametrize("q", ["aurora & | ! ( ) : * ' \\ \"", "aurora:*", "!aurora", "'aurora'", "aurora--"])
def test_query_syntax_is_searched_as_text(api: httpx.Client, curated: Curated, q: str) -> None:
    assert found(api, curated, q) == found(api, curated, "aurora ")


@pytest.mark.parametrize("q", ["", "   ", "?!", "&|!():*'\\", "the", "and of the"])
def test_no_words_is_plain_browsing(api: httpx.Client, curated: Curated, q: str) -> None:
    browsing = search(api, limit=100)
    assert search(api, q=q, limit=100) == browsing
    assert len(browsing["items"]) == len(curated.products)


def test_relevance_can_be_asked_for_without_text(api: httpx.Client, curated: Curated) -> None:
    ranked = [curated.key_of(item["id"]) for item in search(api, sort="relevance", limit=100)["items"]]
    assert ranked[:2] == ["aurora_case", "aurora_headphones"]  # best rated first
    assert len(ranked) == len(curated.products)


def test_other_sorts_apply_to_the_matches(api: httpx.Client, curated: Curated) -> None:
    by_price = ["aurora_case", "cascade_speaker", "boreal_studio", "aurora_headphones"]
    assert found(api, curated, "headphones", sort="price") == by_price
    assert found(api, curated, "headphones", sort="-price") == by_price[::-1]
    assert found(api, curated, "headphones", sort="rating")[0] == "aurora_case"


def test_text_combines_with_every_filter(api: httpx.Client, curated: Curated) -> None:
    assert found(api, curated, "headphones", brand="boreal") == ["boreal_studio"]
    electronics = ["aurora_case", "aurora_headphones", "aurora_pad", "cascade_speaker"]
    assert found(api, curated, "wireless", category="electronics") == electronics
    assert found(api, curated, "headphones", max_price=15_000) == ["aurora_case", "boreal_studio", "cascade_speaker"]
    assert found(api, curated, "headphones", min_rating=4.5) == ["aurora_case"]
    assert found(api, curated, "headphones", merchant=curated.staff.merchant_id) == found(api, curated, "headphones")
    assert found(api, curated, "aurora", **{"attr.color": "Sand"}) == ["aurora_headphones"]


def test_walking_every_page_of_a_search_yields_each_match_once_in_order(api: httpx.Client, curated: Curated) -> None:
    everything = found(api, curated, "ca")  # a prefix of many words
    assert len(everything) >= 5
    for limit in (1, 2, 3):
        walked, cursor = [], None
        while True:
            params = {"q": "ca", "limit": limit} | ({"cursor": cursor} if cursor else {})
            page = search(api, **params)
            walked += [curated.key_of(item["id"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert walked == everything, limit


def test_a_cursor_of_another_sort_is_refused(api: httpx.Client, curated: Curated) -> None:
    cursor = search(api, q="headphones", limit=1)["next_cursor"]
    response = api.get("/v1/products", params={"q": "headphones", "sort": "price", "cursor": cursor})
    assert response.status_code == 422 and response.json()["code"] == "invalid-cursor"
