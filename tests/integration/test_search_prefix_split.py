"""Asking the index for the finished words alone and testing the typed prefix row by row finds exactly the
products the whole query finds; the statistics it is decided from are PostgreSQL's own."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.search import SearchFilters
from mercato.search.domain import QueryText
from mercato.search.lexeme_stats import forget_lexeme_stats, lexeme_stats
from mercato.search.matching import matched_ids
from mercato.search.query_analysis import analyse_query
from mercato.search.text_conditions import TextQuery, conjuncts
from mercato.seed import seed_marketplace

TYPED = ["wireless hea", "chef kni", "stainless steel wat", "audio pro"]


def _split(whole: str) -> TextQuery:
    finished = [part for part in conjuncts(whole) if ":*" not in part]
    return TextQuery(whole, " & ".join(f"( {part} )" for part in finished))


async def test_the_split_condition_finds_what_the_whole_query_finds(engine: AsyncEngine, database_url: str) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    async with engine.connect() as conn:
        for typed in TYPED:
            words = tuple(typed.split())
            analysed = await analyse_query(conn, QueryText(words=words, prefix_last=True))
            assert analysed.exact is not None and ":*" in analysed.exact, typed
            whole = TextQuery(analysed.exact)
            split = _split(analysed.exact)
            expected = set((await conn.execute(matched_ids(SearchFilters(), whole))).scalars())
            assert expected, typed
            assert set((await conn.execute(matched_ids(SearchFilters(), split))).scalars()) == expected, typed
            statement = matched_ids(SearchFilters(), split).compile(
                dialect=engine.dialect, compile_kwargs={"literal_binds": True}
            )
            plan = "\n".join(row[0] for row in await conn.execute(text(f"EXPLAIN {statement}")))
            # The prefix is tested row by row (a Filter), never asked of an index.
            assert all(":*" not in line for line in plan.splitlines() if "Cond" in line), plan
            assert "ts_match_vq" in plan, plan


async def test_the_statistics_are_read_from_pg_stats_after_analyze(engine: AsyncEngine, database_url: str) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE products"))
        await conn.commit()
    forget_lexeme_stats()  # read now, not what an earlier test of this process cached
    async with engine.connect() as conn:
        stats = await lexeme_stats(conn)
        assert stats.known and stats.rows > 0
        assert all(0 < share <= 1 for share in stats.shares.values())
        assert stats.floor <= min(stats.shares.values())
        lexeme = max(stats.shares, key=lambda word: stats.shares[word])
        quoted = "'" + lexeme.replace("'", "''") + "'"
        actual = (
            await conn.execute(
                text("SELECT count(*) FROM products WHERE search_document @@ CAST(:q AS tsquery)"), {"q": quoted}
            )
        ).scalar_one()
        # ANALYZE reads every row of this small catalog, so a listed share is the true one.
        assert abs(stats.share(lexeme) * stats.rows - actual) <= max(5, actual * 0.1)
