"""The demo seed: what `mercato seed` (and the first `make run`) puts in the database, and its invariants."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from mercato.db.engine import make_engine
from mercato.identity import Principal, Role, authenticate
from mercato.seed import (
    DEMO_ADMIN_EMAIL,
    DEMO_CUSTOMER_EMAIL,
    DEMO_MERCHANT_EMAIL,
    DEMO_PASSWORD,
    seed_marketplace,
)

Conn = psycopg.Connection[tuple[object, ...]]
PRODUCTS = 200
COUNTED = (
    "merchants",
    "users",
    "warehouses",
    "categories",
    "brands",
    "products",
    "skus",
    "inventory",
    "inventory_ledger",
    "reviews",
    "outbox",
)


@pytest.fixture
def seeded(database_url: str) -> str:
    """A database seeded with a small demo catalog; the seed's summary line."""
    return seed_marketplace(database_url, products=PRODUCTS, force=False)


def scalar(db: Conn, query: str) -> object:
    row = db.execute(query).fetchone()
    assert row is not None
    return row[0]


def counts(db: Conn) -> dict[str, object]:
    return {table: scalar(db, f"SELECT count(*) FROM {table}") for table in COUNTED}


def test_seed_creates_merchants_with_two_warehouses_in_different_regions(seeded: str, db: Conn) -> None:
    assert scalar(db, "SELECT count(*) FROM merchants") >= 5  # type: ignore[operator]
    rows = db.execute(
        "SELECT m.id, count(w.id), count(DISTINCT w.region), count(DISTINCT w.priority)"
        " FROM merchants m JOIN warehouses w ON w.merchant_id = m.id GROUP BY m.id"
    ).fetchall()
    assert len(rows) == scalar(db, "SELECT count(*) FROM merchants")
    assert all(row[1:] == (2, 2, 2) for row in rows)
    assert scalar(db, "SELECT count(*) FROM warehouses WHERE country = '' OR region NOT LIKE country || '-%'") == 0


def test_seed_builds_a_three_level_category_tree_with_slug_paths(seeded: str, db: Conn) -> None:
    assert 35 <= scalar(db, "SELECT count(*) FROM categories") <= 60  # type: ignore[operator]
    bad_paths = db.execute(
        "SELECT c.slug FROM categories c LEFT JOIN categories p ON p.id = c.parent_id"
        " WHERE c.path <> coalesce(p.path || '/', '') || c.slug"
    ).fetchall()
    assert bad_paths == []
    depths = {r[0] for r in db.execute("SELECT array_length(string_to_array(path, '/'), 1) FROM categories")}
    assert depths == {1, 2, 3}
    in_non_leaves = scalar(
        db, "SELECT count(*) FROM products p JOIN categories c ON c.id = p.category_id WHERE c.path NOT LIKE '%/%/%'"
    )
    assert in_non_leaves == 0


def test_seed_creates_brands_and_the_requested_number_of_products(seeded: str, db: Conn) -> None:
    assert scalar(db, "SELECT count(*) FROM brands") >= 30  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM products WHERE status = 'active'") == PRODUCTS
    assert f"seeded {PRODUCTS:,} products" in seeded
    assert scalar(db, "SELECT count(DISTINCT merchant_id) FROM products") >= 5  # type: ignore[operator]


def test_every_product_has_one_to_four_skus_of_its_own_merchant(seeded: str, db: Conn) -> None:
    per_product = db.execute(
        "SELECT p.id, count(s.id), bool_and(s.merchant_id = p.merchant_id) FROM products p"
        " LEFT JOIN skus s ON s.product_id = p.id GROUP BY p.id"
    ).fetchall()
    assert len(per_product) == PRODUCTS
    assert all(1 <= row[1] <= 4 and row[2] for row in per_product)  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM skus WHERE attributes = '{}'::jsonb OR currency <> 'usd'") == 0


def test_digital_skus_weigh_nothing_and_physical_ones_do(seeded: str, db: Conn) -> None:
    assert scalar(db, "SELECT count(*) FROM skus WHERE digital") > 0  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM skus WHERE digital AND weight_grams <> 0") == 0
    assert scalar(db, "SELECT count(*) FROM skus WHERE NOT digital AND weight_grams <= 0") == 0


def test_product_price_range_matches_its_skus(seeded: str, db: Conn) -> None:
    mismatched = scalar(
        db,
        "SELECT count(*) FROM products p JOIN (SELECT product_id, min(price) lo, max(price) hi FROM skus"
        " WHERE status = 'active' GROUP BY product_id) s ON s.product_id = p.id"
        " WHERE p.price_min <> s.lo OR p.price_max <> s.hi OR p.currency <> 'usd'",
    )
    assert mismatched == 0


def test_rating_summary_matches_the_reviews(seeded: str, db: Conn) -> None:
    mismatched = scalar(
        db,
        "SELECT count(*) FROM products p LEFT JOIN (SELECT product_id, count(*) n, sum(rating) total,"
        " round(avg(rating), 2) average FROM reviews GROUP BY product_id) r ON r.product_id = p.id"
        " WHERE p.rating_count <> coalesce(r.n, 0) OR p.rating_total <> coalesce(r.total, 0)"
        " OR p.rating_avg <> coalesce(r.average, 0)",
    )
    assert mismatched == 0
    assert scalar(db, "SELECT count(*) FROM reviews") > PRODUCTS  # type: ignore[operator]
    assert scalar(db, "SELECT count(*) FROM reviews r LEFT JOIN users u ON u.id = r.user_id WHERE u.id IS NULL") == 0


def test_stock_exists_per_sku_and_warehouse_and_equals_the_ledger(seeded: str, db: Conn) -> None:
    expected_rows = scalar(db, "SELECT count(*) FROM skus s JOIN warehouses w ON w.merchant_id = s.merchant_id")
    assert scalar(db, "SELECT count(*) FROM inventory") == expected_rows
    off_ledger = scalar(
        db,
        "SELECT count(*) FROM inventory i LEFT JOIN (SELECT sku_id, warehouse_id, sum(on_hand_delta) total"
        " FROM inventory_ledger GROUP BY sku_id, warehouse_id) l USING (sku_id, warehouse_id)"
        " WHERE i.on_hand <> coalesce(l.total, 0) OR i.reserved <> 0",
    )
    assert off_ledger == 0
    assert scalar(db, "SELECT count(*) FROM inventory_ledger WHERE kind <> 'receive'") == 0
    in_stock = scalar(db, "SELECT count(DISTINCT sku_id) FROM inventory WHERE on_hand > 0")
    assert 0 < in_stock < scalar(db, "SELECT count(*) FROM skus")  # type: ignore[operator]


def test_demo_logins_authenticate_with_the_demo_password(seeded: str, database_url: str, db: Conn) -> None:
    async def login(email: str) -> Principal:
        engine = make_engine(database_url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as conn:
                return await authenticate(conn, email=email, password=DEMO_PASSWORD)
        finally:
            await engine.dispose()

    first_merchant = scalar(db, "SELECT id FROM merchants WHERE slug = 'maple-street-market'")
    customer = asyncio.run(login(DEMO_CUSTOMER_EMAIL))
    merchant = asyncio.run(login(DEMO_MERCHANT_EMAIL))
    admin = asyncio.run(login(DEMO_ADMIN_EMAIL))
    assert customer.role is Role.CUSTOMER
    assert (merchant.role, merchant.merchant_id) == (Role.MERCHANT_STAFF, first_merchant)
    assert admin.role is Role.ADMIN


def test_a_second_seed_without_force_changes_nothing(seeded: str, database_url: str, db: Conn) -> None:
    before = counts(db)
    summary = seed_marketplace(database_url, products=PRODUCTS, force=False)
    assert "already seeded" in summary
    assert counts(db) == before


def test_force_adds_products_and_reuses_merchants_brands_and_accounts(seeded: str, database_url: str, db: Conn) -> None:
    before = counts(db)
    seed_marketplace(database_url, products=50, force=True)
    after = counts(db)
    assert after["products"] == PRODUCTS + 50
    for table in ("merchants", "users", "warehouses", "categories", "brands"):
        assert after[table] == before[table], table
    assert scalar(db, "SELECT count(*) - count(DISTINCT (merchant_id, code)) FROM skus") == 0
    test_stock_exists_per_sku_and_warehouse_and_equals_the_ledger(seeded, db)
    test_rating_summary_matches_the_reviews(seeded, db)


def test_seed_installs_shipping_rates_taxes_and_a_welcome_coupon(seeded: str, db: Conn) -> None:
    assert scalar(db, "SELECT count(*) FROM shipping_zones WHERE country = 'US'") == 3
    assert scalar(db, "SELECT count(*) FROM shipping_rates WHERE zone = 'us-domestic'") == 6
    assert (
        scalar(db, "SELECT rate_bps FROM tax_rates WHERE country = 'US' AND region = 'TX' AND postal_prefix = '787'")
        == 825
    )
    assert scalar(db, "SELECT kind FROM coupons WHERE code = 'WELCOME10'") == "percent"
