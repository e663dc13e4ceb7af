"""However a relevance page is read (walking the walk index, gathering a tier from its GIN index, or
ranking every match in one sort), the order is the same: the plans are only ways to the one answer."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.catalog import ProductFilters
from mercato.kernel.paging import CursorCodec
from mercato.search import Plan, SearchFilters, SearchRequest, SearchTuning, search_products
from mercato.search.domain import SearchSort
from mercato.seed import seed_marketplace

PLANS = {
    "walks": Plan(),  # 20,000-entry walks cover this whole catalog
    "gathers": Plan(walk=1, walk_anywhere=1, small=0),  # every tier from its GIN index
    "one sort": Plan(walk=1, walk_anywhere=1, small=10**9),  # every match ranked in one sort
    "short walks": Plan(walk=40, walk_anywhere=40, small=0),  # walks that sometimes fill a page
}
QUERIES = [
    "headphones",
    "wireless headphones",
    "wireless",
    "bassline",  # a brand
    "audio",  # a category
    "battery",  # descriptions
    "stainless steel",
    "wireles hedphones",  # typos
    "chef kni",  # prefix
    "tee x",
    "nothing-matches-this",
]
FILTERS = [
    SearchFilters(),
    SearchFilters(catalog=ProductFilters(category="desks")),
    SearchFilters(catalog=ProductFilters(min_rating=Decimal(4))),
    SearchFilters(catalog=ProductFilters(category="electronics")),
]


async def _walk(
    engine: AsyncEngine, request: SearchRequest, plan: Plan, sort: SearchSort | None = None, *, pages: int | None = None
) -> list[str]:
    """The ids of every page (or of the first `pages`) of a search, following its cursors."""
    codec, ids, cursor = CursorCodec(b"test"), [], None
    async with engine.connect() as conn:
        while True:
            page = await search_products(
                conn,
                cursors=codec,
                request=SearchRequest(
                    q=request.q, filters=request.filters, sort=sort, limit=request.limit, cursor=cursor
                ),
                tuning=SearchTuning(relevance=plan),
            )
            ids += [item.id for item in page.items]
            if pages is not None:
                pages -= 1
            if page.next_cursor is None or pages == 0:
                return ids
            cursor = page.next_cursor


@pytest.mark.parametrize("limit", [24, 7])
async def test_every_plan_gives_the_same_relevance_pages(engine: AsyncEngine, database_url: str, limit: int) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    for q in QUERIES:
        for filters in FILTERS:
            request = SearchRequest(q=q, filters=filters, limit=limit)
            results = {name: await _walk(engine, request, plan) for name, plan in PLANS.items()}
            expected = results.pop("walks")
            assert len(set(expected)) == len(expected), q  # each product once
            for name, ids in results.items():
                assert ids == expected, (q, filters, name)


_LISTED = "status = 'active' AND price_min IS NOT NULL"


async def _repeated_names(engine: AsyncEngine) -> dict[str, set[str]]:
    """The listed products of the seeded catalog's most repeated name and of one that two to four share."""
    async with engine.connect() as conn:
        names = (
            await conn.execute(
                text(f"SELECT name, count(*) AS n FROM products WHERE {_LISTED} GROUP BY name ORDER BY n DESC, name")
            )
        ).all()
        chosen = [names[0].name, next(row.name for row in names if 2 <= row.n <= 4)]
        return {
            name: set(
                (await conn.execute(text(f"SELECT id FROM products WHERE {_LISTED} AND name = :n"), {"n": name}))
                .scalars()
                .all()
            )
            for name in chosen
        }


async def test_exact_names_come_first_whether_they_fill_the_page_or_not(engine: AsyncEngine, database_url: str) -> None:
    """The exact-name tier and the first walk share a statement, the walk reading only what the exact
    names leave of the page: a page full of exact names, pages after it (a cursor inside the exact
    names), and a page they only start, in every plan."""
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    named = await _repeated_names(engine)
    crowded, shared = named
    assert len(named[crowded]) > 7 >= len(named[shared])  # more than a 7-product page; part of one
    for name, ids_named in named.items():
        for limit in (7, 24):
            request = SearchRequest(q=name, limit=limit)
            pages = len(ids_named) // limit + 2  # the pages of exact names and the first matches after them
            results = {plan_name: await _walk(engine, request, plan, pages=pages) for plan_name, plan in PLANS.items()}
            expected = results.pop("walks")
            assert len(set(expected)) == len(expected) >= len(ids_named), (name, limit)
            assert set(expected[: len(ids_named)]) == ids_named, (name, limit)  # every exact name first
            for plan_name, ids in results.items():
                assert ids == expected, (name, limit, plan_name)


async def test_every_plan_gives_the_same_pages_in_other_orders(engine: AsyncEngine, database_url: str) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    plans = {"default": Plan(), "short walks": Plan(walk_anywhere=40), "gathers": Plan(walk_anywhere=1)}
    for sort in (SearchSort.PRICE, SearchSort.PRICE_DESC, SearchSort.NEWEST, SearchSort.RATING):
        for q in ("headphones", "stainless steel", "nothing-matches-this", None):
            for filters in FILTERS:
                request = SearchRequest(q=q, filters=filters, limit=24)
                results = {name: await _walk(engine, request, plan, sort) for name, plan in plans.items()}
                expected = results.pop("default")
                for name, ids in results.items():
                    assert ids == expected, (sort, q, filters, name)


def _head_probes(statements: list[str]) -> list[str]:
    """The statements that ask whether any listed product has every word in its name, brand or category."""
    return [s for s in statements if "WITH probe AS MATERIALIZED" in s and "search_head @@" in s]


async def test_a_walk_that_found_head_matches_spares_asking_whether_any_head_matches(
    engine: AsyncEngine, database_url: str
) -> None:
    await asyncio.to_thread(seed_marketplace, database_url, products=3_000, force=True)
    short_walk = Plan(walk=200, walk_anywhere=200, small=0)  # finds some of a common word's names, not a page
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        found = await _walk(engine, SearchRequest(q="headphones"), short_walk, pages=1)
        asked_for_found = _head_probes(statements)
        statements.clear()
        await _walk(engine, SearchRequest(q="battery"), short_walk, pages=1)  # a word of descriptions only
        asked_for_description = _head_probes(statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)

    assert len(found) == 24
    assert asked_for_found == []
    assert len(asked_for_description) == 1
