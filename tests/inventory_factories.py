"""Test factories for inventory and cart tests: catalog rows by plain SQL, warehouses and stock through
the inventory services.

The SQL inserts stand in for the catalog API (built on another branch) only to give SKUs a product, a
merchant and a price; the inventory and cart code under test reads them through `mercato.catalog`.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.engine import make_engine
from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import receive_stock, reserve_stock
from mercato.inventory.services.warehouses import create_warehouse
from mercato.kernel.ids import new_id

_counter = itertools.count(1)

Db = psycopg.Connection[tuple[object, ...]]


def insert_sku(
    db: Db,
    *,
    merchant_id: str,
    price: int = 1999,
    currency: str = "usd",
    weight_grams: int = 500,
    digital: bool = False,
    status: str = "active",
    product_status: str = "active",
    name: str | None = None,
) -> str:
    """A product with one SKU of `merchant_id`, straight into the catalog tables; returns the SKU id."""
    n = next(_counter)
    brand_id, category_id, product_id, sku_id = (new_id(k) for k in ("brand", "category", "product", "sku"))
    db.execute("INSERT INTO brands (id, slug, name) VALUES (%s, %s, %s)", (brand_id, f"brand-{n}", f"Brand {n}"))
    db.execute(
        "INSERT INTO categories (id, slug, name, path) VALUES (%s, %s, %s, %s)",
        (category_id, f"cat-{n}", f"Category {n}", f"cat-{n}"),
    )
    db.execute(
        "INSERT INTO products (id, merchant_id, name, slug, brand_id, category_id, status, currency, price_min, "
        "price_max) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            product_id,
            merchant_id,
            name or f"Product {n}",
            f"product-{n}",
            brand_id,
            category_id,
            product_status,
            currency,
            price,
            price,
        ),
    )
    db.execute(
        "INSERT INTO skus (id, product_id, merchant_id, code, price, currency, weight_grams, digital, status) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (sku_id, product_id, merchant_id, f"SKU-{n}", price, currency, weight_grams, digital, status),
    )
    return sku_id


def set_sku_price(db: Db, sku_id: str, price: int) -> None:
    """Change a SKU's price, as the merchant would through the catalog."""
    db.execute("UPDATE skus SET price = %s WHERE id = %s", (price, sku_id))


def set_sku_status(db: Db, sku_id: str, status: str) -> None:
    """Archive (or re-activate) a SKU."""
    db.execute("UPDATE skus SET status = %s WHERE id = %s", (status, sku_id))


async def warehouse(
    engine: AsyncEngine, *, merchant_id: str = "mer_test", country: str = "US", region: str = "CA", priority: int = 100
) -> str:
    """A warehouse through the inventory service; returns its id."""
    async with unit_of_work(engine) as tx:
        created = await create_warehouse(
            tx, merchant_id=merchant_id, name=f"WH {next(_counter)}", country=country, region=region, priority=priority
        )
    return created.id


async def stock(engine: AsyncEngine, *, sku_id: str, warehouse_id: str, qty: int) -> None:
    """Receive `qty` units of a SKU into a warehouse (with its ledger row)."""
    async with unit_of_work(engine) as tx:
        await receive_stock(
            tx, sku_id=sku_id, warehouse_id=warehouse_id, qty=qty, reference=None, actor="test", now=datetime.now(UTC)
        )


def hold_stock(database_url: str, *, sku_id: str, qty: int, holder: str) -> None:
    """From synchronous (HTTP) tests: reserve `qty` units as a checkout would."""

    async def run() -> None:
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            async with unit_of_work(engine) as tx:
                await reserve_stock(tx, lines=[(sku_id, qty)], holder=holder, ttl_seconds=900, now=datetime.now(UTC))
        finally:
            await engine.dispose()

    asyncio.run(run())
