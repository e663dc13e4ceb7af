"""`GET /v1/products`: one route for browsing and searching the catalog (search serves it; the catalog
supplies what is listed, its filters and its product views). It parses, calls one service, answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request

from mercato.catalog import ProductFilters
from mercato.http.deps import ContainerDep, ReadConn
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.paging import DEFAULT_LIMIT
from mercato.search.domain import (
    MAX_QUERY_CHARS,
    AttributeFilterError,
    Facet,
    SearchSort,
    facets_asked,
    parse_attribute_filters,
)
from mercato.search.matching import SearchFilters
from mercato.search.service import SearchRequest, search_products
from mercato.search.views import SearchResults

router = APIRouter(
    prefix="/v1",
    tags=["catalog"],
    responses={
        422: {
            "description": "validation-error (field names in `errors`) or invalid-cursor",
            "content": {"application/problem+json": {}},
        }
    },
)

# Integer query filters are compared with PostgreSQL integers: larger values are a 422, not a 500.
_PG_INT_MAX = 2_147_483_647
_TEXT_MAX = 300

_DESCRIPTION = f"""Active products with something for sale: browsed, or searched with `q`, filtered, ordered
and paged; with `facets`, the facet counts of everything that matched.

- `q`: plain text (at most {MAX_QUERY_CHARS} characters), never query syntax. Every word must match (name,
  brand, category or description; stemmed, accents ignored); the last word also matches as a prefix
  unless followed by a space; misspelt words are corrected when the words as typed find little.
  Empty, blank or punctuation-only `q` is plain browsing.
- `sort`: `relevance` (the default with `q`), `newest` (the default without), `price`, `-price`, `rating`.
- `attr.<name>=<value>`: SKU attribute filters, e.g. `attr.color=Black&attr.color=White&attr.size=M`
  (values of one name: any; different names: all). Values match exactly as listed by the attribute facet.
- `facets`: `brand`, `category`, `price`, `rating`, `attributes` or `all`, repeatable; none by default.
  Each facet counts with every filter applied except its own (see docs/search.md for thresholds).
"""


def _clean_text(field: str, value: str) -> str:
    """Refuse NUL characters (PostgreSQL cannot store or compare them) and overlong values: a 422, not a 500."""
    if "\x00" in value or len(value) > _TEXT_MAX:
        raise ValidationFailed("not a valid value", field=field)
    return value


def _optional_text(field: str, value: str | None) -> str | None:
    return _clean_text(field, value) if value is not None else None


@router.get(
    "/products",
    response_model=SearchResults,
    summary="Browse and search products",
    description=_DESCRIPTION,
    openapi_extra={
        "parameters": [
            {
                "name": "attr.{name}",
                "in": "query",
                "required": False,
                "description": "A SKU attribute filter, e.g. `attr.color=Black`; repeatable.",
                "schema": {"type": "string"},
            }
        ]
    },
)
async def browse_products(
    request: Request,
    *,
    conn: ReadConn,
    container: ContainerDep,
    q: Annotated[str | None, Query(description="Text to search for (plain text, not syntax).")] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    brand: Annotated[list[str], Query(description="Brand slug; repeat for several.")] = [],  # noqa: B006
    merchant: Annotated[str | None, Query(max_length=100)] = None,
    min_price: Annotated[int | None, Query(ge=0, le=_PG_INT_MAX)] = None,
    max_price: Annotated[int | None, Query(ge=0, le=_PG_INT_MAX)] = None,
    min_rating: Annotated[Decimal | None, Query(ge=0, le=5, allow_inf_nan=False)] = None,
    in_stock: bool = False,
    sort: SearchSort | None = None,
    facets: Annotated[list[Facet], Query(description="Facets to count; repeatable.")] = [],  # noqa: B006
    limit: Annotated[int, Query(description="Page size, 1 to 100.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=2000, description="The `next_cursor` of the previous page.")] = None,
) -> SearchResults:
    """Active products with something for sale, searched, filtered, sorted and paged, with asked facets."""
    try:
        attributes = parse_attribute_filters(request.query_params.multi_items())
    except AttributeFilterError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from exc
    filters = SearchFilters(
        catalog=ProductFilters(
            category=_optional_text("query.category", category),
            brands=tuple(_clean_text("query.brand", slug) for slug in brand),
            merchant_id=_optional_text("query.merchant", merchant),
            min_price=min_price,
            max_price=max_price,
            min_rating=min_rating,
            in_stock=in_stock,
        ),
        attributes=attributes,
    )
    search = SearchRequest(
        q=q,
        filters=filters,
        sort=sort,
        facets=facets_asked(facets),
        limit=limit,
        cursor=cursor,
    )
    return await search_products(conn, cursors=container.cursors, request=search)
