"""Reading one page of matches in the requested order: the page's keys first, then its rows.

A page is a keyset page (`SortOrder`) whatever the order. Its keys (id and sort values) are read by a
query that touches only what ordering and filtering need; the page's rows are then read by id.

Relevance is read tier by tier (exact name, name, name or brand, name/brand/category, anywhere), each
tier a keyset page in (rating, popularity, id) order, until the page is full. PostgreSQL cannot know how
many products a multi-word query matches (it multiplies the words' frequencies, and words of one
product line come together), so the plan is not left to its guess:

- A head tier is first read by a *bounded walk*: the walk index lists the listed, filtered products in
  relevance-tie order and carries each one's document head, so an index-only scan of at most `WALK`
  entries, testing each head, finds a page of a tier that is common, touching no row it skips.
- If the walk does not fill the page, the tier is rare among those first entries, so it is read from
  its GIN index instead: every match gathered and sorted (few, for a rare tier).
- "Anywhere" needs the whole document, which only the row holds: the same, with a shorter walk.

Other orders (price, newest, rating) are planned by PostgreSQL over the catalog's sort indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, func, literal, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import PRODUCT_ORDERS, ProductFilters, ProductSort, SortKey, SortOrder, listed_products
from mercato.search.document import (
    HEAD_TIERS,
    NAME_KEY,
    SEARCH_DOCUMENT,
    SEARCH_HEAD,
    TIER_ANYWHERE,
    TIER_EXACT_NAME,
    TIERS,
    anywhere_tier,
    exact_name,
    head_tier,
    matches,
    tier_of,
    tsquery,
)
from mercato.search.domain import SearchSort
from mercato.search.matching import PRODUCT, SearchFilters, matched_ids, narrowing

WALK = 20_000  # index entries a head tier's walk reads at most (index-only: about 5 ms)
WALK_ANYWHERE = 4_000  # rows the "anywhere" walk reads at most (each a row visit)
SMALL = 500  # a match set this small is ranked in one sort once a walk has come back short


@dataclass(frozen=True, slots=True)
class Plan:
    """The bounds that shape how a relevance page is read (the defaults above; tests vary them)."""

    walk: int = WALK
    walk_anywhere: int = WALK_ANYWHERE
    small: int = SMALL


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


def _same(value: Any) -> Any:
    return value


RELEVANCE_LABEL = "relevance"
# Within a tier: better rated first, then more often rated (popularity), then the id (unique).
_TIES = (
    SortKey(PRODUCT.rating_avg, "rating_avg", str, _decimal),
    SortKey(PRODUCT.rating_count, "rating_count", _same, _integer),
    SortKey(PRODUCT.id, "id", _same, _text),
)
TIES_ORDER = SortOrder("products:relevance-ties", _TIES, descending=True)
RELEVANCE_ORDER = SortOrder(
    "products:relevance",
    (SortKey(literal(TIER_ANYWHERE, Integer), RELEVANCE_LABEL, _same, _tier), *_TIES),
    descending=True,
)


def order_for(sort: SearchSort) -> SortOrder:
    """The keyset order of a sort (for relevance, its keys name the columns of the key rows)."""
    if sort is SearchSort.RELEVANCE:
        return RELEVANCE_ORDER
    return PRODUCT_ORDERS[ProductSort(sort.value)]


async def count_up_to(conn: AsyncConnection, matched: Select[Any], cap: int) -> int:
    """How many rows `matched` selects, counting no further than `cap + 1`."""
    capped = matched.limit(cap + 1).subquery("capped")
    return int((await conn.execute(select(func.count()).select_from(capped))).scalar_one())


def _keys(order: SortOrder, *extra: ColumnElement[Any]) -> Select[Any]:
    return select(*(key.expr.label(key.label) for key in order.keys), *extra)


async def read_keys(
    conn: AsyncConnection,
    *,
    filters: SearchFilters,
    sort: SearchSort,
    query: str | None,
    name_key: str | None,
    after: Sequence[Any] | None,
    limit: int,
    plan: Plan = Plan(),
) -> list[Row[Any]]:
    """The sort keys of up to `limit + 1` matching products after the cursor position `after`."""
    if sort is SearchSort.RELEVANCE:
        reader = _TierReader(conn, filters, query, name_key, limit=limit, plan=plan)
        return await reader.read(after)
    order = PRODUCT_ORDERS[ProductSort(sort.value)]
    stmt = _keys(order).where(*narrowing(filters))
    if query is not None:
        stmt = stmt.where(matches(tsquery(query)))
    return list((await conn.execute(order.apply(stmt, after, limit))).all())


class _TierReader:
    """Reads a relevance page tier by tier (see the module's docstring)."""

    def __init__(
        self,
        conn: AsyncConnection,
        filters: SearchFilters,
        query: str | None,
        key: str | None,
        *,
        limit: int,
        plan: Plan,
    ) -> None:
        self.conn, self.filters, self.key, self.limit, self.plan = conn, filters, key, limit, plan
        self.query = tsquery(query) if query is not None else None
        self.rows: list[Row[Any]] = []
        self.sized = False  # whether the match set's size was looked at (after a walk came back short)
        self.head_empty = False  # whether no product has every word in its name, brand or category

    async def read(self, after: Sequence[Any] | None) -> list[Row[Any]]:
        start_tier, position = (after[0], list(after[1:])) if after is not None else (TIERS[0], None)
        if self.query is None:
            # Without text every product is in the last tier: relevance is rating, then popularity.
            stmt = _keys(TIES_ORDER, literal(TIER_ANYWHERE, Integer).label(RELEVANCE_LABEL))
            stmt = TIES_ORDER.apply(stmt.where(*narrowing(self.filters)), position, self.limit)
            return list((await self.conn.execute(stmt)).all())
        for tier in TIERS:
            if tier > start_tier:
                continue
            done = await self._read_tier(tier, position if tier == start_tier else None)
            if done or len(self.rows) > self.limit:
                break
        return self.rows

    @property
    def _wanted(self) -> int:
        return self.limit + 1 - len(self.rows)

    async def _fetch(self, stmt: Select[Any]) -> list[Row[Any]]:
        return list((await self.conn.execute(stmt)).all())

    async def _read_tier(self, tier: int, position: list[Any] | None) -> bool:
        """Add the tier's next rows; True when every remaining tier was read too."""
        assert self.query is not None
        if tier == TIER_EXACT_NAME:
            exact = and_(exact_name(self.key), matches(self.query))
            self.rows.extend(await self._fetch(self._gathered(tier, exact, position)))
            return False
        if tier in HEAD_TIERS and self.head_empty:
            return False
        walked = await self._fetch(self._walk(tier, position))
        if len(walked) >= self._wanted:
            self.rows.extend(walked)
            return False
        if not self.sized:
            # The walk found this tier sparse: if the whole match set is small, rank it in one sort.
            self.sized = True
            matched = matched_ids(self.filters, None).where(matches(self.query))
            if await count_up_to(self.conn, matched, self.plan.small) <= self.plan.small:
                self.rows.extend(await self._fetch(self._everything_from(tier, position)))
                return True
            # A large match set whose words are never all in a head (a description search) skips
            # straight to the last tier instead of walking the head tiers for nothing.
            in_heads = matched_ids(self.filters, None).where(head_tier(1, self.query, None, above=False))
            self.head_empty = tier in HEAD_TIERS and await count_up_to(self.conn, in_heads, 0) == 0
            if self.head_empty:
                return False
        condition = anywhere_tier(self.query) if tier == TIER_ANYWHERE else head_tier(tier, self.query, self.key)
        self.rows.extend(await self._fetch(self._gathered(tier, condition, position)))
        return False

    def _gathered(self, tier: int, condition: ColumnElement[bool], position: list[Any] | None) -> Select[Any]:
        # Every match of the tier (through its GIN or btree index), fenced by OFFSET 0 so that the
        # planner gathers them and sorts once instead of walking an index for a rare tier.
        label = literal(tier, Integer).label(RELEVANCE_LABEL)
        gathered = _keys(TIES_ORDER, label).where(*narrowing(self.filters), condition).offset(0).subquery("tier")
        return _over(TIES_ORDER, gathered).apply(select(gathered), position, self._wanted - 1)

    def _everything_from(self, tier: int, position: list[Any] | None) -> Select[Any]:
        """Every match in this tier or a lower one, each with its tier, in relevance order: one sort."""
        assert self.query is not None
        relevance = tier_of(self.query, self.key).label(RELEVANCE_LABEL)
        every = _keys(TIES_ORDER, relevance).where(*narrowing(self.filters), matches(self.query)).offset(0)
        ranked = every.subquery("ranked")
        after = [tier, *position] if position is not None else None
        stmt = select(ranked).where(ranked.c.relevance <= tier)
        return _over(RELEVANCE_ORDER, ranked).apply(stmt, after, self._wanted - 1)

    def _walk(self, tier: int, position: list[Any] | None) -> Select[Any]:
        """The tier's first matches among the first WALK listed products in relevance-tie order."""
        assert self.query is not None
        bound = max(1, self.plan.walk if tier in HEAD_TIERS else self.plan.walk_anywhere)
        carried = [SEARCH_HEAD.label("head"), NAME_KEY.label("name_key")]
        if tier == TIER_ANYWHERE:
            carried.append(SEARCH_DOCUMENT.label("document"))
        first = TIES_ORDER.apply(_keys(TIES_ORDER, *carried).where(*narrowing(self.filters)), position, bound - 1)
        walk = first.subquery("walk")
        if tier == TIER_ANYWHERE:
            inside = anywhere_tier(self.query, document=walk.c.document, head=walk.c.head)
        else:
            inside = head_tier(tier, self.query, self.key, head=walk.c.head, name_key=walk.c.name_key)
        found = select(walk.c.rating_avg, walk.c.rating_count, walk.c.id, literal(tier, Integer).label(RELEVANCE_LABEL))
        # The walk is already in tie order; ordering again by the same keys lets PostgreSQL stream it.
        return _over(TIES_ORDER, walk).apply(found.where(inside), None, self._wanted - 1)


def _over(order: SortOrder, source: Any) -> SortOrder:
    """The order over the same-named columns of a subquery."""
    return replace(order, keys=tuple(replace(key, expr=source.c[key.label]) for key in order.keys))


async def rows_of(conn: AsyncConnection, keys: Sequence[Row[Any]]) -> list[Row[Any]]:
    """The product rows (as the catalog lists them) of a page's keys, in the keys' order."""
    if not keys:
        return []
    ids = [key.id for key in keys]
    found = {row.id: row for row in await conn.execute(listed_products(ProductFilters()).where(PRODUCT.id.in_(ids)))}
    return [found[product_id] for product_id in ids if product_id in found]
