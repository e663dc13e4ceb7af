"""The demo marketplace seed (`mercato seed`, and `mercato run` on first start).

Idempotent: a database that already holds products is left alone unless `force` is given, in which
case `products` more are added beside the existing ones (merchants, categories, brands, warehouses and
accounts are always found by their natural keys and never duplicated). Reference data and accounts are
ensured first; the catalog itself is generated in chunks and bulk-loaded with COPY in one transaction,
so an interrupted seed leaves no half-catalog behind.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import psycopg
from psycopg.rows import TupleRow

from mercato.seed.accounts import (
    DEMO_ADMIN_EMAIL,
    DEMO_CUSTOMER_EMAIL,
    DEMO_MERCHANT_EMAIL,
    DEMO_PASSWORD,
    ensure_accounts,
)
from mercato.seed.copy_load import load_chunk
from mercato.seed.generate import CatalogGenerator
from mercato.seed.pipeline import generate_chunks
from mercato.seed.rates import ensure_rates
from mercato.seed.reference import ensure_reference

__all__ = [
    "DEMO_ADMIN_EMAIL",
    "DEMO_CUSTOMER_EMAIL",
    "DEMO_MERCHANT_EMAIL",
    "DEMO_PASSWORD",
    "seed_marketplace",
]

SEED = 20_240_601
CHUNK_PRODUCTS = 5_000
BACKGROUND_FROM = 20_000  # products; below this a worker process costs more than it saves
_LOCK_KEY = 0x5EED_0001  # one seeder at a time per database (session-level advisory lock)


def _scale(products: int) -> tuple[int, int]:
    """(shopper pool size, most reviews per product): fewer reviews per product for very large catalogs."""
    if products <= 50_000:
        return 1_000, 12
    return 5_000, 3


def seed_marketplace(database_url: str, *, products: int, force: bool) -> str:
    """Seed the demo marketplace; returns a one-line summary of what was done."""
    if products < 0:
        raise ValueError("products must not be negative")
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        existing = _count(conn, "products")
        if existing and not force:
            return f"demo marketplace already seeded ({existing:,} products); nothing to do (--force adds more)"
        shoppers, max_reviews = _scale(products)
        accounts = ensure_accounts(database_url, shoppers=shoppers, seed=SEED)
        totals = {"products": 0, "skus": 0, "inventory": 0, "ledger": 0, "reviews": 0}
        with conn.transaction(), conn.cursor() as cur:
            merchants = ensure_reference(conn, accounts.merchant_ids)
            ensure_rates(conn)
            generator = CatalogGenerator(merchants, accounts.shoppers, now=datetime.now(UTC), max_reviews=max_reviews)
            chunks = generate_chunks(
                generator,
                first=existing,
                total=products,
                chunk_size=CHUNK_PRODUCTS,
                background=products >= BACKGROUND_FROM,
            )
            for chunk in chunks:
                for table, loaded in load_chunk(cur, chunk).items():
                    totals[table] += loaded
        conn.execute("ANALYZE products, skus, inventory, inventory_ledger, reviews, categories, brands")
    elapsed = time.perf_counter() - started
    return (
        f"seeded {totals['products']:,} products ({totals['skus']:,} SKUs, {totals['inventory']:,} stock rows, "
        f"{totals['reviews']:,} reviews) for {len(accounts.merchant_ids)} merchants in {elapsed:.1f} s"
    )


def _count(conn: psycopg.Connection[TupleRow], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # table names are constants here
    return int(row[0]) if row else 0
