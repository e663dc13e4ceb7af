"""Bulk loading with PostgreSQL COPY (psycopg 3): the only way a million products load in minutes.

Column lists are spelled out here, in the order the generator builds its row tuples; they are checked
against the tables' metadata at import so a schema change fails loudly instead of loading garbage.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql
from sqlalchemy import Table

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

for _table, _columns, _ in TARGETS:
    _unknown = set(_columns) - set(_table.c.keys())
    if _unknown:
        raise RuntimeError(f"seed COPY columns not in table {_table.name}: {sorted(_unknown)}")


def copy_rows(
    cur: psycopg.Cursor[tuple[object, ...]], table: Table, columns: tuple[str, ...], rows: Iterable[Row]
) -> None:
    """Stream rows into `table` with one COPY … FROM STDIN."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def load_chunk(cur: psycopg.Cursor[tuple[object, ...]], chunk: Chunk) -> dict[str, int]:
    """COPY every table of the chunk, in foreign-key order; returns rows loaded per table."""
    counts = {}
    for table, columns, attr in TARGETS:
        rows: list[Row] = getattr(chunk, attr)
        if rows:
            copy_rows(cur, table, columns, rows)
        counts[attr] = len(rows)
    return counts
