"""Bulk loading with PostgreSQL COPY (psycopg 3): the only way a million products load in minutes.

Column lists are spelled out here, in the order the generator builds its row tuples; they are checked
against the tables' metadata at import, so a schema change (a new required column, a renamed one)
fails loudly instead of loading garbage.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy import Integer, Table

from mercato.catalog.tables import products, reviews, skus
from mercato.inventory.tables import inventory, inventory_ledger
from mercato.seed.generate import Chunk, Row

PRODUCT_COLUMNS = (
    "id",
    "merchant_id",
    "name",
    "slug",
    "description",
    "brand_id",
    "category_id",
    "status",
    "currency",
    "price_min",
    "price_max",
    "rating_count",
    "rating_total",
    "rating_avg",
    "created_at",
    "updated_at",
)
SKU_COLUMNS = (
    "id",
    "product_id",
    "merchant_id",
    "code",
    "attributes",
    "price",
    "currency",
    "weight_grams",
    "digital",
    "status",
    "created_at",
    "updated_at",
)
INVENTORY_COLUMNS = ("sku_id", "warehouse_id", "on_hand", "reserved", "updated_at")
LEDGER_COLUMNS = (
    "sku_id",
    "warehouse_id",
    "kind",
    "on_hand_delta",
    "reserved_delta",
    "reason",
    "reference",
    "actor",
    "created_at",
)
REVIEW_COLUMNS = ("id", "product_id", "user_id", "author_name", "rating", "title", "body", "created_at")

# Load order respects the foreign keys: SKUs and reviews need their product.
TARGETS: tuple[tuple[Table, tuple[str, ...], str], ...] = (
    (products, PRODUCT_COLUMNS, "products"),
    (skus, SKU_COLUMNS, "skus"),
    (inventory, INVENTORY_COLUMNS, "inventory"),
    (inventory_ledger, LEDGER_COLUMNS, "ledger"),
    (reviews, REVIEW_COLUMNS, "reviews"),
)


def _check_columns(table: Table, columns: tuple[str, ...]) -> None:
    """Fail loudly when the table gained a required column or lost one the seed writes."""
    unknown = set(columns) - set(table.c.keys())
    required = {
        c.name
        for c in table.c
        if not c.nullable
        and c.server_default is None
        and c.computed is None
        and not (c.primary_key and c.autoincrement in (True, "auto") and isinstance(c.type, Integer))
    }
    if unknown or required - set(columns):
        raise RuntimeError(
            f"the seed's COPY columns for {table.name} are out of date: unknown {sorted(unknown)},"
            f" missing required {sorted(required - set(columns))}"
        )


for _table, _columns, _ in TARGETS:
    _check_columns(_table, _columns)


def copy_rows(cur: psycopg.Cursor[TupleRow], table: Table, columns: tuple[str, ...], rows: Iterable[Row]) -> None:
    """Stream rows into `table` with one COPY … FROM STDIN."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def load_chunk(cur: psycopg.Cursor[TupleRow], chunk: Chunk) -> dict[str, int]:
    """COPY every table of the chunk, in foreign-key order; returns rows loaded per table."""
    counts = {}
    for table, columns, attr in TARGETS:
        rows: list[Row] = getattr(chunk, attr)
        if rows:
            copy_rows(cur, table, columns, rows)
        counts[attr] = len(rows)
    return counts
