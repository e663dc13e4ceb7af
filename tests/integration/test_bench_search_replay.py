"""The search benchmark's PostgreSQL-only replay records what the real service runs and can run it again
on connections of its own (the recorded searches stand alone: no session state, no process cache)."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.search_replay import record, replay
from mercato.seed import seed_marketplace

MIX: dict[str, list[tuple[str, str | None]]] = {
    "text": [("q=wireless+headphones", None), ("q=chef+kni", None)],
    "facets": [("q=wireless&facets=all", None)],
    "browse": [("category=audio&sort=price", None)],
}


async def test_recorded_searches_replay_on_fresh_connections_and_read_rows(
    engine: AsyncEngine, database_url: str
) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=400, force=True)

    recorded = await record(engine, MIX)

    assert {key: len(searches) for key, searches in recorded.items()} == {"text": 2, "facets": 1, "browse": 1}
    facets_search = recorded["facets"][0]
    assert len(facets_search) > len(recorded["text"][0]), "the facet counts are statements of their own"
    conn = await asyncpg.connect(database_url)
    try:
        rows = [await conn.fetch(statement, *params) for statement, params in facets_search]
    finally:
        await conn.close()
    assert any(rows), "a search over a seeded catalog reads rows"
    searches, elapsed, cpu = await replay(
        database_url, recorded, {"text": 3, "facets": 1, "browse": 1}, connections=2, seconds=1.0
    )
    assert searches > 0
    assert elapsed >= 1.0
    assert cpu is None  # no meter asked for
