"""Reading one page of matches in the requested order, as the catalog's product rows.

A page is a keyset page (`SortOrder`) whatever the order. Price, newest and rating pages are one query
over the catalog's list, planned by PostgreSQL over the catalog's sort indexes and the GIN index.

Relevance is read tier by tier (exact name, name, name or brand, name/brand/category, anywhere), each
tier a keyset page in (rating, popularity, id) order, until the page is full. PostgreSQL cannot know how
many products a multi-word query matches (it multiplies the words' frequencies, and the words of one
product line come together), so the plan is not left to its guess:

- A head tier is first read by a *bounded walk*: the walk index lists the listed products in tie order
  and carries each one's document head and the columns the catalog's filters read, so an index-only
  scan of at most `WALK` entries, testing each head, finds a page of a tier that is common, without
  visiting a row it skips. The exact-name tier (a btree lookup) and the first walk share a statement.
- If the walk does not fill the page, the whole match set is counted up to `SMALL`: a small one is
  ranked in one sort; otherwise the tier is read from its GIN index (every match gathered and sorted:
  few, for a tier that the walk found rare), and the next tiers are walked in turn.
- "Anywhere" needs the whole document, which only the row holds: the same, with a shorter walk.

Each tier's keys are found first, and only the page's rows are then joined in, in the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    func,
    literal,
    select,
    true,
    tuple_,
    union_all,
)
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
    tier_of,
    tsquery,
)
from mercato.search.domain import SearchSort
from mercato.search.matching import PRODUCT, SearchFilters, attributes_clause, matched_ids, narrowing
from mercato.search.text_conditions import TextQuery, matches_query

WALK = 20_000  # index entries a head tier's walk reads at most (index-only: a few ms)
WALK_ANYWHERE = 4_000  # rows the "anywhere" walk reads at most (each a row visit)
SMALL = 500  # a match set this small is ranked in one sort once a walk has come back short
# The status of listed products, as in the catalog's partial sort indexes (the public API's "active").
ACTIVE = "active"
# Every listed product, unfiltered: the rows a page of keys is joined to (built once; selects are immutable).
LISTED = listed_products(ProductFilters())


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
    """The keyset order of a sort (for relevance, its keys name the columns of the page's rows)."""
    if sort is SearchSort.RELEVANCE:
        return RELEVANCE_ORDER
    return PRODUCT_ORDERS[ProductSort(sort.value)]


async def count_up_to(conn: AsyncConnection, matched: Select[Any], cap: int) -> int:
    """How many rows `matched` selects, counting no further than `cap + 1`.

    The select is planned apart from the limit (a MATERIALIZED CTE, still read lazily): a limit invites
    the planner to walk an index hoping for an early match, which for a word nobody wrote reads the
    whole index."""
    fenced = matched.cte("probe").prefix_with("MATERIALIZED")
    capped = select(literal(1)).select_from(fenced).limit(cap + 1).subquery("capped")
    return int((await conn.execute(select(func.count()).select_from(capped))).scalar_one())


async def read_page(
    conn: AsyncConnection,
    *,
    filters: SearchFilters,
    sort: SearchSort,
    query: TextQuery | None,
    name_key: str | None,
    after: Sequence[Any] | None,
    limit: int,
    plan: Plan,
) -> list[Row[Any]]:
    """Up to `limit + 1` product rows (as the catalog lists them) after the cursor position `after`."""
    if sort is SearchSort.RELEVANCE:
        reader = _TierReader(conn, filters, query, name_key, limit=limit, plan=plan)
        return await reader.read(after)
    order = PRODUCT_ORDERS[ProductSort(sort.value)]
    stmt = listed_products(filters.catalog)
    if filters.attributes:
        stmt = stmt.where(attributes_clause(filters.attributes))
    if query is not None:
        stmt = stmt.where(matches_query(query))
    if query is None and not filters.narrows:
        return list((await conn.execute(order.apply(stmt, after, limit))).all())  # browsing: dense
    # Text or filters may match few products, or none early in this order (a desk category sorted by
    # price starts after 400,000 cheaper products): walk a bounded stretch, else gather and sort.
    boundary = await boundary_of(conn, order, after, plan.walk_anywhere)
    if boundary is None:  # fewer than that many products remain: the walk is bounded already
        return list((await conn.execute(order.apply(stmt, after, limit))).all())
    rows = list((await conn.execute(order.apply(stmt.where(within(order, boundary)), after, limit))).all())
    if len(rows) > limit:
        return rows
    # Gather the keys (from the category or brand index alone when only those filter), sort, join rows.
    keys = select(*(key.expr.label(key.label) for key in order.keys)).where(*narrowing(filters))
    if query is not None:
        keys = keys.where(matches_query(query))
    gathered = keys.offset(0).subquery("matched")
    page = _over(order, gathered).apply(select(gathered), after, limit).subquery("page")
    joined = LISTED.join(page, page.c.id == PRODUCT.id)
    ordering = [page.c[key.label].desc() if order.descending else page.c[key.label].asc() for key in order.keys]
    return list((await conn.execute(joined.order_by(*ordering))).all())


async def boundary_of(
    conn: AsyncConnection, order: SortOrder, after: Sequence[Any] | None, stretch: int
) -> list[Any] | None:
    """The sort key `stretch` active products after `after` in `order`, or None when fewer remain.

    Read from the order's index alone (its partial predicate is the active status), so a walk bounded
    by it reads at most `stretch` index entries however rare its filters are."""
    keys = select(*(key.expr.label(key.label) for key in order.keys)).where(PRODUCT.status == ACTIVE)
    row = (await conn.execute(order.apply(keys, after, 0).offset(stretch - 1))).first()
    return [getattr(row, key.label) for key in order.keys] if row is not None else None


def within(order: SortOrder, boundary: Sequence[Any]) -> ColumnElement[bool]:
    """Not past `boundary` in `order` (the boundary itself included)."""
    position = tuple_(*(key.expr for key in order.keys))
    values = tuple_(*(literal(v, type_=key.expr.type) for key, v in zip(order.keys, boundary, strict=True)))
    return position >= values if order.descending else position <= values


def _keys(*extra: ColumnElement[Any]) -> Select[Any]:
    return select(*(key.expr.label(key.label) for key in _TIES), *extra)


def _over(order: SortOrder, source: Any) -> SortOrder:
    """The order over the same-named columns of a subquery."""
    return replace(order, keys=tuple(replace(key, expr=source.c[key.label]) for key in order.keys))


def _with_rows(keys: Select[Any]) -> Select[Any]:
    """The catalog's product rows of a page of keys, with their tier, in relevance order."""
    page = keys.subquery("page")
    rows = LISTED.join(page, page.c.id == PRODUCT.id).add_columns(page.c.relevance)
    return rows.order_by(page.c.relevance.desc(), *(page.c[key.label].desc() for key in _TIES))


class _TierReader:
    """Reads a relevance page tier by tier (see the module's docstring)."""

    def __init__(
        self,
        conn: AsyncConnection,
        filters: SearchFilters,
        query: TextQuery | None,
        key: str | None,
        *,
        limit: int,
        plan: Plan,
    ) -> None:
        self.conn, self.filters, self.key, self.limit, self.plan = conn, filters, key, limit, plan
        self.text = query
        self.query = tsquery(query.text) if query is not None else None
        self.rows: list[Row[Any]] = []
        self.sized = False  # whether the match set's size was looked at (after a walk came back short)
        self.boundaries: dict[tuple[int, tuple[Any, ...] | None], list[Any] | None] = {}
        self.head_empty = False  # whether no product has every word in its name, brand or category

    @property
    def _wanted(self) -> int:
        return self.limit + 1 - len(self.rows)

    async def _fetch(self, stmt: Select[Any] | CompoundSelect[Any]) -> list[Row[Any]]:
        return list((await self.conn.execute(stmt)).all())

    async def read(self, after: Sequence[Any] | None) -> list[Row[Any]]:
        start_tier, position = (after[0], list(after[1:])) if after is not None else (TIERS[0], None)
        if self.query is None:
            # Without text every product is in the last tier: relevance is rating, then popularity.
            keys = _keys(literal(TIER_ANYWHERE, Integer).label(RELEVANCE_LABEL)).where(*narrowing(self.filters))
            boundary = await self._boundary(self.plan.walk, position) if self.filters.narrows else None
            if boundary is None:
                return await self._fetch(_with_rows(TIES_ORDER.apply(keys, position, self.limit)))
            rows = await self._fetch(
                _with_rows(TIES_ORDER.apply(keys.where(within(TIES_ORDER, boundary)), position, self.limit))
            )
            if len(rows) > self.limit:
                return rows
            return await self._fetch(_with_rows(self._gathered(TIER_ANYWHERE, true(), position)))
        walked: list[Row[Any]] | None = None
        if start_tier == TIER_EXACT_NAME:
            # The exact names and the first walk in one round trip: most searches need nothing more.
            assert self.text is not None
            # A cursor inside the exact names (more of them than a page) continues after its position.
            exact = self._gathered(TIER_EXACT_NAME, and_(exact_name(self.key), matches_query(self.text)), position).cte(
                "exact"
            )
            # The walk reads only what the exact names leave of the page: nothing at all when they fill
            # it (a LIMIT that comes out 0 never starts its scan), instead of 20,000 entries for no row.
            room = select(func.greatest(self._wanted - func.count(), 0)).select_from(exact).scalar_subquery()
            first_walk = (await self._walk(HEAD_TIERS[0], None)).limit(room)
            both = await self._fetch(union_all(_with_rows(select(exact)), _with_rows(first_walk)))
            self.rows = [row for row in both if row.relevance == TIER_EXACT_NAME]
            walked = [row for row in both if row.relevance != TIER_EXACT_NAME]
        for tier in TIERS[1:]:
            if tier > start_tier:
                continue
            done = await self._read_tier(tier, position if tier == start_tier else None, walked)
            walked = None
            if done or len(self.rows) > self.limit:
                break
        return self.rows

    async def _read_tier(self, tier: int, position: list[Any] | None, walked: list[Row[Any]] | None) -> bool:
        """Add the tier's next rows; True when every remaining tier was read too."""
        assert self.query is not None
        if tier in HEAD_TIERS and self.head_empty:
            return False
        if walked is None:
            walked = await self._fetch(_with_rows(await self._walk(tier, position)))
        if len(walked) >= self._wanted:
            self.rows.extend(walked[: self._wanted])
            return False
        if not self.sized:
            self.sized = True
            # The walk found this tier sparse: if the whole match set is small, one sort ranks it.
            if await self._rank_if_small(tier, position):
                return True
            # A query whose words are never all in a name, brand or category (a description search)
            # goes straight to the last tier instead of walking the head tiers for nothing. A row already
            # found in a head tier (an exact name is in the name class, every head tier in the widest)
            # answers that without asking.
            found = [*self.rows, *walked]
            if any(row.relevance != TIER_ANYWHERE for row in found):
                self.head_empty = False
            else:
                in_heads = matched_ids(self.filters, None).where(head_tier(1, self.query, None, above=False))
                self.head_empty = await count_up_to(self.conn, in_heads, 0) == 0
            if self.head_empty and tier in HEAD_TIERS:
                return False
        condition = anywhere_tier(self.query) if tier == TIER_ANYWHERE else head_tier(tier, self.query, self.key)
        self.rows.extend(await self._fetch(_with_rows(self._gathered(tier, condition, position))))
        return False

    def _gathered(self, tier: int, condition: ColumnElement[bool], position: list[Any] | None) -> Select[Any]:
        """Keys of every match of the tier (through its GIN or btree index), sorted, after `position`.

        OFFSET 0 fences the gathering so the planner reads the matches by index and sorts them once,
        instead of walking the tie order for a rare tier."""
        label = literal(tier, Integer).label(RELEVANCE_LABEL)
        gathered = _keys(label).where(*narrowing(self.filters), condition).offset(0).subquery("tier")
        return _over(TIES_ORDER, gathered).apply(select(gathered), position, self._wanted - 1)

    async def _rank_if_small(self, tier: int, position: list[Any] | None) -> bool:
        """Rank every match in this tier or a lower one in one statement if there are at most `small`
        matches (True, rows added); False when there are more.

        The matches are gathered once, capped at `small + 1` (a MATERIALIZED CTE, planned for all of
        them: a bitmap of the GIN index), ranked in SQL, each marked whether it lies after the cursor."""
        assert self.query is not None and self.text is not None
        relevance = tier_of(self.query, self.key).label(RELEVANCE_LABEL)
        capped = _keys(relevance).where(*narrowing(self.filters), matches_query(self.text)).limit(self.plan.small + 1)
        matched = capped.cte("matched").prefix_with("MATERIALIZED")
        ranked = _over(RELEVANCE_ORDER, matched)
        position_key = tuple_(*(key.expr for key in ranked.keys))
        after = [tier, *position] if position is not None else None
        if after is not None:
            bound = tuple_(*(literal(v, type_=k.expr.type) for k, v in zip(ranked.keys, after, strict=True)))
            beyond: ColumnElement[bool] = position_key < bound
        else:
            beyond = matched.c.relevance <= tier
        stmt = select(matched.c.id, beyond.label("beyond")).order_by(*(key.expr.desc() for key in ranked.keys))
        found = (await self.conn.execute(stmt)).all()
        if len(found) > self.plan.small:
            return False
        ids = [row.id for row in found if row.beyond][: self._wanted]
        if ids:
            page = _keys(relevance).where(PRODUCT.id.in_(ids)).subquery("page")
            rows = LISTED.join(page, page.c.id == PRODUCT.id).add_columns(page.c.relevance)
            by_id = {row.id: row for row in await self._fetch(rows)}
            self.rows.extend(by_id[product_id] for product_id in ids if product_id in by_id)
        return True

    async def _boundary(self, stretch: int, position: list[Any] | None) -> list[Any] | None:
        key = (stretch, tuple(position) if position is not None else None)
        if key not in self.boundaries:
            self.boundaries[key] = await boundary_of(self.conn, TIES_ORDER, position, stretch)
        return self.boundaries[key]

    async def _walk(self, tier: int, position: list[Any] | None) -> Select[Any]:
        """Keys of the tier's first matches among the first listed products in tie order (a bounded walk).

        Unfiltered, the walk reads the walk index until it has a page or `walk` entries; filtered (a rare
        filter would make that unbounded), it reads up to a boundary key `walk` entries ahead."""
        assert self.query is not None
        stretch = max(1, self.plan.walk if tier in HEAD_TIERS else self.plan.walk_anywhere)
        label = literal(tier, Integer).label(RELEVANCE_LABEL)
        if self.filters.narrows:
            condition = anywhere_tier(self.query) if tier == TIER_ANYWHERE else head_tier(tier, self.query, self.key)
            keys = _keys(label).where(*narrowing(self.filters), condition)
            boundary = await self._boundary(stretch, position)
            if boundary is not None:
                keys = keys.where(within(TIES_ORDER, boundary))
            return TIES_ORDER.apply(keys, position, self._wanted - 1)
        carried = [SEARCH_HEAD.label("head"), NAME_KEY.label("name_key")]
        if tier == TIER_ANYWHERE:
            carried.append(SEARCH_DOCUMENT.label("document"))
        first = TIES_ORDER.apply(_keys(*carried).where(*narrowing(self.filters)), position, stretch - 1)
        walk = first.subquery("walk")
        if tier == TIER_ANYWHERE:
            inside = anywhere_tier(self.query, document=walk.c.document, head=walk.c.head)
        else:
            inside = head_tier(tier, self.query, self.key, head=walk.c.head, name_key=walk.c.name_key)
        found = select(walk.c.rating_avg, walk.c.rating_count, walk.c.id, label)
        # The walk is already in tie order; ordering again by the same keys lets PostgreSQL stream it.
        return _over(TIES_ORDER, walk).apply(found.where(inside), None, self._wanted - 1)
