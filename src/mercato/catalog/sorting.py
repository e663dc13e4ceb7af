"""Sort orders and keyset paging for catalog lists (products, a merchant's products, reviews).

A `SortOrder` names the expressions a list is ordered by, the last one unique (an id), all in one
direction; a page is "rows after this key in this order", so pages stay stable while rows are added
and the database walks an index instead of skipping OFFSET rows. Search adds its own orders (relevance)
by building another `SortOrder` over its rank expression; nothing here knows the filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.engine import Row

from mercato.catalog.tables import brands, categories, products, reviews
from mercato.kernel.errors import InvalidCursor
from mercato.kernel.paging import CursorCodec


def _same(value: Any) -> Any:
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _decimal(value: Any) -> Decimal:
    return Decimal(_text(value))


def _timestamp(value: Any) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        raise ValueError("expected an aware timestamp")
    return moment


@dataclass(frozen=True, slots=True)
class SortKey:
    """One expression of an order: how it is read from a result row and carried in a cursor."""

    expr: ColumnElement[Any]
    label: str  # the name of the value in the page's result rows
    to_cursor: Callable[[Any], Any] = _same
    from_cursor: Callable[[Any], Any] = _same


@dataclass(frozen=True, slots=True)
class SortOrder:
    """An order of a list: keys all ascending or all descending, the last one unique."""

    scope: str  # names the list and order inside cursors, so a cursor of another list is refused
    keys: tuple[SortKey, ...]
    descending: bool

    def decode(self, codec: CursorCodec, cursor: str | None) -> list[Any] | None:
        """The position a cursor carries, checked against this order; None for the first page."""
        if cursor is None:
            return None
        raw = codec.decode(self.scope, cursor)
        if len(raw) != len(self.keys):
            raise InvalidCursor("the cursor belongs to another list or sort order")
        try:
            return [key.from_cursor(value) for key, value in zip(self.keys, raw, strict=True)]
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise InvalidCursor("the cursor is not one this API issued") from exc

    def apply(self, stmt: Select[Any], after: Sequence[Any] | None, limit: int) -> Select[Any]:
        """`stmt` ordered, positioned after `after` and cut at one row more than `limit` (to see if more follow)."""
        exprs = [key.expr for key in self.keys]
        if after is not None:
            position = tuple_(*exprs)
            values = tuple_(*(literal(value, type_=key.expr.type) for key, value in zip(self.keys, after, strict=True)))
            stmt = stmt.where(position < values if self.descending else position > values)
        ordering = [expr.desc() if self.descending else expr.asc() for expr in exprs]
        return stmt.order_by(*ordering).limit(limit + 1)

    def page(self, codec: CursorCodec, rows: Sequence[Row[Any]], limit: int) -> tuple[list[Row[Any]], str | None]:
        """The page's rows and the cursor of the next page (None on the last page)."""
        if len(rows) <= limit:
            return list(rows), None
        last = rows[limit - 1]
        key = [sort_key.to_cursor(getattr(last, sort_key.label)) for sort_key in self.keys]
        return list(rows[:limit]), codec.encode(self.scope, key)


def _iso(value: datetime) -> str:
    return value.isoformat()


_PRODUCT_ID = SortKey(products.c.id, "id", _same, _text)
_CREATED = SortKey(products.c.created_at, "created_at", _iso, _timestamp)


class ProductSort(StrEnum):
    """The orders `GET /v1/products?sort=` accepts."""

    NEWEST = "newest"
    PRICE = "price"
    PRICE_DESC = "-price"
    RATING = "rating"


PRODUCT_ORDERS: dict[ProductSort, SortOrder] = {
    ProductSort.NEWEST: SortOrder("products:newest", (_CREATED, _PRODUCT_ID), descending=True),
    ProductSort.PRICE: SortOrder(
        "products:price", (SortKey(products.c.price_min, "price_min", _same, _integer), _PRODUCT_ID), descending=False
    ),
    ProductSort.PRICE_DESC: SortOrder(
        "products:-price", (SortKey(products.c.price_min, "price_min", _same, _integer), _PRODUCT_ID), descending=True
    ),
    ProductSort.RATING: SortOrder(
        "products:rating", (SortKey(products.c.rating_avg, "rating_avg", str, _decimal), _PRODUCT_ID), descending=True
    ),
}

# A merchant's own products, newest first: ids are time-ordered, so the id alone is the key.
MERCHANT_PRODUCTS_ORDER = SortOrder("merchant-products", (_PRODUCT_ID,), descending=True)

REVIEWS_ORDER = SortOrder(
    "reviews",
    (SortKey(reviews.c.created_at, "created_at", _iso, _timestamp), SortKey(reviews.c.id, "id", _same, _text)),
    descending=True,
)

# Brands by slug and categories by path (a parent right before its children): both unique.
BRANDS_ORDER = SortOrder("brands", (SortKey(brands.c.slug, "slug", _same, _text),), descending=False)
CATEGORIES_ORDER = SortOrder("categories", (SortKey(categories.c.path, "path", _same, _text),), descending=False)
