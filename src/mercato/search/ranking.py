"""Reading one page of matches in the requested order, with a plan chosen by how many products match.

A page is a keyset page (`SortOrder`) whatever the order, but the fastest way to read it depends on the
size of the match set, which the planner can only guess (a brand slug or a multi-word text is opaque to
it). So the match set is first counted up to `SMALL_SET`:

- At most `SMALL_SET` matches: every match is read (through the GIN or filter indexes) and sorted; the
  select is fenced (`OFFSET 0`) so the planner cannot instead walk a sort index past a million rows
  looking for a few scattered matches.
- More: the page is read by walking the sort order's index and testing each row, which stops after a
  page because matches are dense. For relevance, the tiers are read one after another (exact name,
  name, name+brand+category, anywhere), each in rating order, until the page is full.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Integer, Select, func, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import PRODUCT_ORDERS, ProductSort, SortKey, SortOrder
from mercato.kernel.paging import CursorCodec
from mercato.search.document import TIER_ANYWHERE, TIERS, tier_condition, tier_of, tsquery
from mercato.search.domain import SearchSort
from mercato.search.matching import PRODUCT

SMALL_SET = 2_000  # up to this many matches, read them all and sort; above, walk an index


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _tier(value: Any) -> int:
    if _integer(value) not in TIERS:
        raise ValueError("not a relevance tier")
    return int(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(_text(value))
    except InvalidOperation as exc:
        raise ValueError("expected a decimal") from exc


# Within a tier: better rated first, then more often rated (popularity), then the id (unique).
_TIES = (
    SortKey(PRODUCT.rating_avg, "rating_avg", str, _decimal),
    SortKey(PRODUCT.rating_count, "rating_count", lambda v: v, _integer),
    SortKey(PRODUCT.id, "id", lambda v: v, _text),
)
TIES_ORDER = SortOrder("products:relevance-ties", _TIES, descending=True)
RELEVANCE_LABEL = "relevance"


def relevance_order(tier: Any) -> SortOrder:
    """Relevance: the tier (an expression or a column named `relevance`), then the ties."""
    return SortOrder(
        "products:relevance", (SortKey(tier, RELEVANCE_LABEL, lambda v: v, _tier), *_TIES), descending=True
    )


def order_for(sort: SearchSort) -> SortOrder:
    """The keyset order of a sort (relevance with a placeholder tier: its keys are rebound per plan)."""
    if sort is SearchSort.RELEVANCE:
        return relevance_order(literal(TIER_ANYWHERE, Integer))
    return PRODUCT_ORDERS[ProductSort(sort.value)]


async def count_up_to(conn: AsyncConnection, matched: Select[Any], cap: int) -> int:
    """How many products `matched` selects, counting no further than `cap + 1`."""
    capped = matched.with_only_columns(PRODUCT.id).limit(cap + 1).subquery("capped")
    return int((await conn.execute(select(func.count()).select_from(capped))).scalar_one())


def _fenced(stmt: Select[Any], order: SortOrder) -> tuple[Select[Any], SortOrder]:
    # OFFSET 0 keeps PostgreSQL from pulling the subquery up into the ordered, limited outer query,
    # so it reads the matches by the cheapest path for all of them and sorts them once.
    matched = stmt.offset(0).subquery("matched")
    keys = tuple(replace(key, expr=matched.c[key.label]) for key in order.keys)
    return select(matched), replace(order, keys=keys)


Fetch = Callable[[Select[Any]], Any]


async def read_page(
    conn: AsyncConnection,
    *,
    matched: Select[Any],
    sort: SearchSort,
    query: str | None,
    name_key: str | None,
    small: bool,
    after: Sequence[Any] | None,
    limit: int,
) -> list[Row[Any]]:
    """Up to `limit + 1` rows of `matched` after the cursor position `after`, in `sort` order."""
    if sort is SearchSort.RELEVANCE:
        if small or query is None:
            tier = tier_of(tsquery(query), name_key) if query is not None else literal(TIER_ANYWHERE, Integer)
            stmt, order = _fenced(matched.add_columns(tier.label(RELEVANCE_LABEL)), relevance_order(tier))
            return list((await conn.execute(order.apply(stmt, after, limit))).all())
        return await _read_by_tiers(conn, matched=matched, query=query, name_key=name_key, after=after, limit=limit)
    order = PRODUCT_ORDERS[ProductSort(sort.value)]
    if small:
        stmt, order = _fenced(matched, order)
        return list((await conn.execute(order.apply(stmt, after, limit))).all())
    return list((await conn.execute(order.apply(matched, after, limit))).all())


async def _read_by_tiers(
    conn: AsyncConnection,
    *,
    matched: Select[Any],
    query: str,
    name_key: str | None,
    after: Sequence[Any] | None,
    limit: int,
) -> list[Row[Any]]:
    """The page read tier by tier, each tier in rating order from the cursor's position, until full."""
    start_tier, position = (after[0], list(after[1:])) if after is not None else (TIERS[0], None)
    rows: list[Row[Any]] = []
    for tier in TIERS:
        if tier > start_tier:
            continue
        stmt = matched.add_columns(literal(tier, Integer).label(RELEVANCE_LABEL)).where(
            tier_condition(tier, tsquery(query), name_key)
        )
        stmt = TIES_ORDER.apply(stmt, position if tier == start_tier else None, limit - len(rows))
        rows.extend((await conn.execute(stmt)).all())
        if len(rows) > limit:
            break
    return rows


def page_of(
    codec: CursorCodec, order: SortOrder, rows: Sequence[Row[Any]], limit: int
) -> tuple[list[Row[Any]], str | None]:
    """The page's rows and the next page's cursor."""
    return order.page(codec, rows, limit)
