"""How long `mercato seed` takes: the demo size (2,000 products) and the large one (1,000,000 by default),
each into a fresh database, through the real CLI in its own process, as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from bench.database import ROOT, BenchPostgres, count_rows
from bench.options import RunOptions
from bench.report import Section, machine, table

NAME = "seed"
DEMO_PRODUCTS = 2_000
LARGE_PRODUCTS = 1_000_000
DATABASE = "mercato_bench_seed"


@dataclass(frozen=True, slots=True)
class SeedRun:
    """One seed into a fresh database, and the idempotent second run after it."""

    products: int
    skus: int
    stock_rows: int
    reviews: int
    seconds: float
    again_seconds: float
    size: str


def _seed(url: str, products: int) -> float:
    env = {**os.environ, "DATABASE_URL": url, "MERCATO_DATA_DIR": str(ROOT / "var" / "bench-data")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mercato.cli", "seed", "--products", str(products)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"mercato seed failed ({done.returncode}):\n{done.stderr[-2000:]}")
    print(f"  {done.stdout.strip().splitlines()[-1]}", flush=True)
    return elapsed


def measure(pg: BenchPostgres, products: int) -> SeedRun:
    """Seed `products` into a fresh database, then seed again (which must do nothing), and count."""
    url = pg.database(DATABASE, fresh=True)
    seconds = _seed(url, products)
    again = _seed(url, products)
    with psycopg.connect(url) as conn:
        counts = {t: count_rows(conn, t) for t in ("products", "skus", "inventory", "reviews")}
    return SeedRun(
        products=counts["products"],
        skus=counts["skus"],
        stock_rows=counts["inventory"],
        reviews=counts["reviews"],
        seconds=seconds,
        again_seconds=again,
        size=pg.size(url),
    )


def run(options: RunOptions) -> Section:
    """Time the demo-size and the large seed; drop the benchmark database afterwards (it is large)."""
    large = options.products or (20_000 if options.quick else LARGE_PRODUCTS)
    sizes = sorted({DEMO_PRODUCTS, large})
    load_before = os.getloadavg()[0]
    with BenchPostgres() as pg:
        context = pg.description
        runs = [measure(pg, n) for n in sizes]
        with psycopg.connect(pg.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    rows = [
        (
            f"`mercato seed --products {r.products}`",
            f"{r.seconds:.1f}",
            f"{r.products / r.seconds:,.0f}",
            f"{r.skus:,}",
            f"{r.stock_rows:,}",
            f"{r.reviews:,}",
            r.size,
            f"{r.again_seconds:.1f}",
        )
        for r in runs
    ]
    headers = ("command", "seconds", "products/s", "SKUs", "stock rows", "reviews", "database size", "2nd run s")
    markdown = f"""## Seeding the demo marketplace (`{NAME}`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{options.command}`.

- Each size is seeded into a fresh, migrated database through the real CLI (`python -m mercato.cli seed`,
  a new process, so the time includes start-up, the accounts' argon2 hashes, COPY of every table in one
  transaction, and ANALYZE). The 2nd run is the same command again, which finds the catalog and does nothing.
- Every inventory row has its ledger 'receive' row (so the two stock columns are equal in count), and
  large catalogs get at most 3 reviews per product (12 for 50,000 products or fewer).
- Database: {context}. Machine: {machine(load_before)}.

{table(headers, rows)}
"""
    return Section(NAME, markdown)
