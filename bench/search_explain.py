"""In-process probes of the search service for the benchmark report: PostgreSQL's plans (EXPLAIN ANALYZE)
for one query of a class, with every statement the service ran for it."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.catalog import ProductFilters
from mercato.kernel.paging import CursorCodec
from mercato.search import SearchFilters, SearchRequest, search_products
from mercato.search.domain import Facet, SearchSort, facets_asked, parse_attribute_filters

CODEC = CursorCodec(b"bench-explain")


def request_from(query_string: str, cursor: str | None = None) -> SearchRequest:
    """The SearchRequest the API builds for a query string (the subset of parameters the bench uses)."""
    pairs = parse_qsl(query_string)
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)

    def one(key: str) -> str | None:
        return values.get(key, [None])[0]

    min_price, max_price, min_rating = one("min_price"), one("max_price"), one("min_rating")
    catalog = ProductFilters(
        category=one("category"),
        brands=tuple(values.get("brand", [])),
        merchant_id=one("merchant"),
        min_price=int(min_price) if min_price else None,
        max_price=int(max_price) if max_price else None,
        min_rating=Decimal(min_rating) if min_rating else None,
        in_stock=one("in_stock") == "true",
    )
    sort = one("sort")
    return SearchRequest(
        q=one("q"),
        filters=SearchFilters(catalog=catalog, attributes=parse_attribute_filters(pairs)),
        sort=SearchSort(sort) if sort else None,
        facets=facets_asked([Facet(f) for f in values.get("facets", [])]),
        limit=int(one("limit") or 24),
        cursor=cursor,
    )


async def cursor_for_page(engine: AsyncEngine, query_string: str, page: int) -> str | None:
    """The cursor that opens page `page` (1 is the first) of a query."""
    cursor: str | None = None
    async with engine.connect() as conn:
        for _ in range(page - 1):
            result = await search_products(conn, cursors=CODEC, request=request_from(query_string, cursor))
            cursor = result.next_cursor
            if cursor is None:
                break
    return cursor


async def service_ms(engine: AsyncEngine, query_string: str, cursor: str | None = None) -> float:
    """How long the search service takes for the query, in this process (best of three)."""
    best = float("inf")
    async with engine.connect() as conn:
        for _ in range(3):
            started = time.perf_counter()
            await search_products(conn, cursors=CODEC, request=request_from(query_string, cursor))
            best = min(best, (time.perf_counter() - started) * 1000)
            await conn.rollback()
    return best


async def explain(engine: AsyncEngine, query_string: str, cursor: str | None = None) -> list[tuple[str, float, str]]:
    """(statement, execution ms, plan) for each statement the service runs for the query, under EXPLAIN
    (ANALYZE, BUFFERS) with the service's own planner settings."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Connection, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "set_config" not in statement:
            captured.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with engine.connect() as conn:
            await search_products(conn, cursors=CODEC, request=request_from(query_string, cursor))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    results = []
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.execute("SET plan_cache_mode = force_custom_plan; SET max_parallel_workers_per_gather = 0")
        for statement, params in captured:
            rows = await driver.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *params)
            plan = "\n".join(str(row[0]) for row in rows)
            took = next(
                (float(line.split(":")[1].split()[0]) for line in plan.splitlines() if "Execution Time" in line), 0.0
            )
            results.append((" ".join(statement.split())[:160], took, plan))
    return results
