"""Which part of a text query the GIN index is asked for: the finished words alone when they are rare
and the typed prefix is common, the whole query otherwise (and always without statistics)."""

from __future__ import annotations

from mercato.search.lexeme_stats import LexemeStats
from mercato.search.text_conditions import TextQuery, conjuncts, text_query

NAME = "( 'northpeak' ) & ( 'anti' & 'theft' ) & ( 'backpack' ) & ( 'pro':* | 'pro' | 'profil' )"
STATS = LexemeStats(
    rows=1_000_000,
    shares={
        "backpack": 0.03,
        "wireless": 0.055,
        "product": 0.4,
        "profession": 0.1,
        "pro": 0.02,
        "headphon": 0.05,
        "sample 1024": 1.0,
        "sample 512": 0.5,
        "sample 4": 0.004,
    },
    floor=0.002,
)


def test_conjuncts_are_the_top_level_and_operands_with_quotes_and_parentheses_respected() -> None:
    assert conjuncts("( 'a' | 'b' ) & 'c'") == ["'a' | 'b'", "'c'"]
    assert conjuncts("( ( 'a' & 'b' ) )") == ["'a' & 'b'"]
    assert conjuncts("'it''s' & '(x)' & 'y'") == ["'it''s'", "'(x)'", "'y'"]
    assert conjuncts("( 'a' ) | ( 'b' )") == ["( 'a' ) | ( 'b' )"]


def test_rare_finished_words_and_a_common_prefix_send_only_the_finished_words_to_the_index() -> None:
    query = text_query(NAME, STATS)
    assert query.text == NAME
    assert query.indexed is not None and ":*" not in query.indexed
    assert all(word in query.indexed for word in ("'northpeak'", "'anti'", "'theft'", "'backpack'"))


def test_common_finished_words_or_a_rare_prefix_keep_the_whole_query_in_the_index() -> None:
    assert text_query("( 'wireless' ) & ( 'headphon':* )", STATS).indexed is None  # 5.5 % of rows to test
    assert text_query("( 'northpeak' ) & ( 'zzq':* )", STATS).indexed is None  # nothing begins with zzq


def test_without_a_prefix_without_finished_words_or_without_statistics_the_index_takes_it_all() -> None:
    assert text_query("( 'northpeak' ) & ( 'backpack' )", STATS) == TextQuery("( 'northpeak' ) & ( 'backpack' )")
    assert text_query("( 'pro':* | 'pro' )", STATS).indexed is None
    assert text_query(NAME, LexemeStats()).indexed is None


def test_a_narrowed_query_narrows_both_parts() -> None:
    split = text_query(NAME, STATS).narrowed("'bucket1'")
    assert (
        split.text.endswith("( 'bucket1' )") and split.indexed is not None and split.indexed.endswith("( 'bucket1' )")
    )
    whole = TextQuery("( 'wireless' )").narrowed("'bucket1'")
    assert whole == TextQuery("( ( 'wireless' ) ) & ( 'bucket1' )")


def test_a_one_word_prefix_is_spared_the_index_once_a_rare_sample_bucket_narrows_it() -> None:
    typed = text_query("( 'pro':* | 'pro' )", STATS)
    assert typed.indexed is None  # nothing finished to ask the index for
    assert typed.narrowed("'sample 4'").indexed == "( 'sample 4' )"  # 0.4 % of rows against 52 % of postings
    assert typed.narrowed("'sample 512'").indexed is None  # half the rows: the prefix's postings are cheaper
