"""The product search use case behind `GET /v1/products`: browse or search, filter, order, page, and
count facets, in one read-only transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import price_window_valid, product_views
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.paging import CursorCodec, check_limit
from mercato.search.domain import Facet, QueryText, SearchSort, effective_sort, parse_query, query_problem
from mercato.search.facets import EXACT_UP_TO, SAMPLE_TARGET, count_facets
from mercato.search.matching import SearchFilters, matched_ids
from mercato.search.query_analysis import analyse_query
from mercato.search.ranking import Plan, count_up_to, order_for, read_keys, rows_of
from mercato.search.views import SearchResults

# When the words as typed match fewer products than this, misspelt words are widened to their corrections.
FEW_MATCHES = 5

# Every statement of a search is planned for its actual values (a tsquery, a slug), never from a cached
# generic plan that guessed them; and runs in one process (the load is many small queries, not one big one).
_PLANNING = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One `GET /v1/products`: the text, filters, order, facets and page asked for."""

    q: str | None = None
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SearchSort | None = None
    facets: frozenset[Facet] = frozenset()
    limit: int = 24
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class SearchTuning:
    """The thresholds that pick a search's plan; the API uses the defaults, tests vary them."""

    exact_facets_up_to: int = EXACT_UP_TO  # facet counts are exact up to this many products (facets.py)
    facet_sample_target: int = SAMPLE_TARGET  # past that, about this many products are counted
    few_matches: int = FEW_MATCHES  # below this many matches, widen misspelt words
    relevance: Plan = field(default_factory=Plan)  # how relevance pages are read (ranking.py)


def _check(request: SearchRequest) -> None:
    check_limit(request.limit)
    problem = query_problem(request.q)
    if problem is not None:
        raise ValidationFailed(problem, field="query.q")
    catalog = request.filters.catalog
    if not price_window_valid(catalog.min_price, catalog.max_price):
        raise ValidationFailed("min_price must not exceed max_price", field="query.min_price")


async def search_products(
    conn: AsyncConnection, *, cursors: CursorCodec, request: SearchRequest, tuning: SearchTuning = SearchTuning()
) -> SearchResults:
    """A page of the listed products matching the request, in its order, with the facets it asked for.

    With text, the words as typed are tried first; if they match fewer than `FEW_MATCHES` products,
    misspelt words are widened to similar known words (typo tolerance). The decision is made the same
    way on every page, so a cursor continues the list it came from.
    """
    _check(request)
    await conn.execute(_PLANNING)
    words: QueryText | None = parse_query(request.q)
    analysed = await analyse_query(conn, words) if words is not None else None
    query = analysed.exact if analysed is not None else None
    sort = effective_sort(request.sort, words if query is not None else None)
    order = order_for(sort)
    after = order.decode(cursors, request.cursor)
    filters = request.filters
    widened = analysed.widened if analysed is not None else None
    if widened is not None and await count_up_to(conn, matched_ids(filters, query), tuning.few_matches) < (
        tuning.few_matches
    ):
        query = widened
    keys = await read_keys(
        conn,
        filters=filters,
        sort=sort,
        query=query,
        name_key=analysed.name_key if analysed is not None else None,
        after=after,
        limit=request.limit,
        plan=tuning.relevance,
    )
    page, next_cursor = order.page(cursors, keys, request.limit)
    results = SearchResults(items=await product_views(conn, await rows_of(conn, page)), next_cursor=next_cursor)
    if request.facets:
        counted = await count_facets(
            conn,
            filters=filters,
            query=query,
            facets=request.facets,
            exact_up_to=tuning.exact_facets_up_to,
            sample_target=tuning.facet_sample_target,
        )
        results.facets, results.facet_counts = counted.facets, counted.exactness
    return results
