"""However a relevance page is read (walking the walk index, gathering a tier from its GIN index, or
ranking every match in one sort), the order is the same: the plans are only ways to the one answer."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
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


async def _walk(engine: AsyncEngine, request: SearchRequest, plan: Plan, sort: SearchSort | None = None) -> list[str]:
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
            if page.next_cursor is None:
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
