"""The product search use case behind `GET /v1/products`: browse or search, filter, order, page, and
count facets, in one read-only transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import price_window_valid, product_views, resolve_filters
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.paging import CursorCodec, check_limit
from mercato.search.domain import Facet, QueryText, SearchSort, effective_sort, parse_query, query_problem
from mercato.search.facets import EXACT_UP_TO, SAMPLE_TARGET, count_facets
from mercato.search.lexeme_stats import lexeme_stats
from mercato.search.matching import SearchFilters, matched_ids
from mercato.search.planning import SETTINGS_ONLY, settings_params
from mercato.search.query_analysis import AnalysedQuery, analyse_query
from mercato.search.ranking import Plan, count_up_to, order_for, read_page
from mercato.search.text_conditions import TextQuery, text_query
from mercato.search.views import SearchResults

# When the words as typed match fewer products than this, misspelt words are widened to their corrections.
FEW_MATCHES = 5


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
    """A page of the listed products matching the request, in its order, with the facets it asked for."""
    _check(request)
    # Brand and category slugs become ids first, so every statement's planner sees constants.
    request = replace(
        request, filters=replace(request.filters, catalog=await resolve_filters(conn, request.filters.catalog))
    )
    words: QueryText | None = parse_query(request.q)
    if words is not None:
        analysed = await analyse_query(conn, words)  # applies the planner settings too (planning.py)
    else:
        analysed = None
        await conn.execute(SETTINGS_ONLY, settings_params())
    text = analysed.exact if analysed is not None else None
    sort = effective_sort(request.sort, words if text is not None else None)
    order = order_for(sort)
    reading = _Reading(conn, request, tuning, sort, order.decode(cursors, request.cursor), analysed)
    rows, query = await reading.rows()
    page, next_cursor = order.page(cursors, rows, request.limit)
    results = SearchResults(items=await product_views(conn, page), next_cursor=next_cursor)
    if request.facets:
        counted = await count_facets(
            conn,
            filters=request.filters,
            query=query,
            facets=request.facets,
            exact_up_to=tuning.exact_facets_up_to,
            sample_target=tuning.facet_sample_target,
        )
        results.facets, results.facet_counts = counted.facets, counted.exactness
    return results


@dataclass(frozen=True, slots=True)
class _Reading:
    """Reads a request's page with the words as typed, or widened to their corrections (typo tolerance).

    Misspelt words are widened when the words as typed match fewer than `few_matches` products, which a
    capped count tells before reading (cheap: a misspelt word's GIN posting list is empty or short). It
    is asked only when some word is unknown to the lexicon, and the same way on every page, so a cursor
    continues the list it came from.
    """

    conn: AsyncConnection
    request: SearchRequest
    tuning: SearchTuning
    sort: SearchSort
    after: Sequence[Any] | None
    analysed: AnalysedQuery | None

    async def rows(self) -> tuple[list[Row[Any]], TextQuery | None]:
        """The page's rows (up to limit + 1) and the text query they were read with."""
        if self.analysed is None or self.analysed.exact is None:
            return await self._read(None), None
        stats = await lexeme_stats(self.conn)
        query = text_query(self.analysed.exact, stats)
        if self.analysed.widened is not None and await self._too_few(query):
            query = text_query(self.analysed.widened, stats)
        return await self._read(query), query

    async def _read(self, text: TextQuery | None) -> list[Row[Any]]:
        return await read_page(
            self.conn,
            filters=self.request.filters,
            sort=self.sort,
            query=text,
            name_key=self.analysed.name_key if self.analysed is not None else None,
            after=self.after,
            limit=self.request.limit,
            plan=self.tuning.relevance,
        )

    async def _too_few(self, text: TextQuery) -> bool:
        few = self.tuning.few_matches
        return await count_up_to(self.conn, matched_ids(self.request.filters, text), few) < few
