"""Turning the words of `q` into tsqueries, in one round trip to PostgreSQL.

Each word goes to `plainto_tsquery` as a bound value, so nothing a shopper types is ever read as
query syntax; the result comes back as PostgreSQL's canonical tsquery text (quoted lexemes), and the
words' queries are joined with `&` (every word must match) into one tsquery. The last word, while
being typed, also matches as a prefix (`'headphon':*`).

The same statement looks up corrections for typos: each word of three or more characters that is
not itself a word of some product, brand or category name gets up to three similar known words (by
trigram similarity, `pg_trgm`). The widened query, in which each such word matches itself or any of
its corrections, is used when the words as typed find too little (see `service.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Boolean, Integer, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.search.domain import QueryText
from mercato.search.planning import APPLY_SETTINGS, settings_params

CORRECTIONS_PER_WORD = 3
MIN_CORRECTED_CHARS = 3
SIMILARITY_THRESHOLD = 0.4  # pg_trgm similarity a known word needs to count as a correction

_ANALYSIS = text(
    f"""
    WITH typed AS (
        SELECT t.word, t.ord, search_key(t.word) AS key,
               CASE WHEN t.ord = :last AND :prefix_last THEN search_prefix_tsquery(t.word)
                    ELSE plainto_tsquery('mercato_search', t.word) END AS own
        FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS t(word, ord)
    )
    SELECT typed.ord,
           typed.own::text AS own,
           fixes.corrections,
           (SELECT string_agg('( ' || q::text || ' )', ' | ')
              FROM unnest(fixes.corrections) AS c, plainto_tsquery('mercato_search', c) AS q
              WHERE numnode(q) > 0) AS corrected,
           search_key(CAST(:whole AS text)) AS name_key,
           {APPLY_SETTINGS} AS configured
    FROM typed
    LEFT JOIN LATERAL (
        SELECT array_agg(known.word ORDER BY known.score DESC, known.word) AS corrections
        FROM (
            SELECT w.word, similarity(w.word, typed.key) AS score
            FROM search_words AS w
            WHERE length(typed.key) >= :min_corrected
              AND w.word % typed.key
              AND similarity(w.word, typed.key) >= :threshold
              AND NOT EXISTS (SELECT 1 FROM search_words AS k WHERE k.word = typed.key)
            ORDER BY score DESC, w.word
            LIMIT :per_word
        ) AS known
    ) AS fixes ON true
    ORDER BY typed.ord
    """
).bindparams(
    bindparam("words", type_=ARRAY(Text)),
    bindparam("last", type_=Integer),
    bindparam("prefix_last", type_=Boolean),
    bindparam("whole", type_=Text),
    bindparam("min_corrected", type_=Integer),
    bindparam("threshold"),
    bindparam("per_word", type_=Integer),
)


@dataclass(frozen=True, slots=True)
class AnalysedQuery:
    """The tsqueries of one `q`: as typed, and widened with corrections (None when nothing to correct)."""

    exact: str | None  # None when every word is a stop word ("the", "and"): plain browsing
    widened: str | None
    name_key: str  # the words as a product name would be normalised, for the exact-name tier
    corrections: dict[str, tuple[str, ...]]


def _either(own: str, corrected: str | None) -> str:
    if own and corrected:
        return f"( {own} ) | {corrected}"
    return own or corrected or ""


def _conjunction(parts: list[str]) -> str | None:
    kept = [part for part in parts if part]
    return " & ".join(f"( {part} )" for part in kept) if kept else None


async def analyse_query(conn: AsyncConnection, query: QueryText) -> AnalysedQuery:
    """The tsqueries and corrections of `query`'s words; also applies the search's planner settings."""
    params: dict[str, Any] = {
        **settings_params(),
        "words": list(query.words),
        "last": len(query.words),
        "prefix_last": query.prefix_last,
        "whole": query.text,
        "min_corrected": MIN_CORRECTED_CHARS,
        "threshold": SIMILARITY_THRESHOLD,
        "per_word": CORRECTIONS_PER_WORD,
    }
    rows = (await conn.execute(_ANALYSIS, params)).all()
    exact_parts = [row.own for row in rows]
    widened_parts = [_either(row.own, row.corrected) for row in rows]
    corrections = {word: tuple(row.corrections) for word, row in zip(query.words, rows, strict=True) if row.corrections}
    return AnalysedQuery(
        exact=_conjunction(exact_parts),
        widened=_conjunction(widened_parts) if corrections else None,
        name_key=rows[0].name_key if rows else "",
        corrections=corrections,
    )
