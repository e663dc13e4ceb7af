"""Benchmark: stock reservations per second through the inventory service, beside the same SQL run raw.

Two workloads over 100,000 stocked SKUs: every reservation on one hot SKU (all of them queue on one row
lock: the flash-sale case) and reservations of uniformly random SKUs (no contention: the throughput
case). Each runs through `reserve_stock` in its own unit of work (SQLAlchemy Core on asyncpg) and then as
the identical statement sequence sent straight through an asyncpg pool, so raw/service is the price of
our layers. Latency is per reservation, commit included. The invariants are checked after the run.

Database: BENCH_DATABASE_URL (or DATABASE_URL) if set, else an embedded PostgreSQL under var/bench-pg;
a scratch database `mercato_bench_reservations` is created on it and dropped afterwards.

Run standalone: `python -m bench.reservations [--quick]`.
"""

from __future__ import annotations

import asyncio
import io
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from mercato.db.embedded import EmbeddedPostgres, socket_dir
from mercato.db.engine import libpq_url, make_engine
from mercato.db.migrate import upgrade
from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import check_invariants, reserve_stock
from mercato.inventory.services.reserve import _HOLD_STOCK
from mercato.inventory.services.stock_events import _LOCK_AVAILABLE_ROWS
from mercato.kernel.ids import new_id

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "mercato_bench_reservations"
SKUS = 100_000
TTL_SECONDS = 900


@dataclass(frozen=True)
class Result:
    """One workload through one path."""

    workload: str
    path: str
    reservations: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.reservations / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]


@contextmanager
def scratch_database() -> Iterator[str]:
    """A fresh, migrated database for the run; dropped afterwards."""
    given = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    server = None if given else EmbeddedPostgres(ROOT / "var" / "bench-pg")
    admin_url = libpq_url(given) if given else server.start()  # type: ignore[union-attr]
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        if given:
            base, _, query = admin_url.partition("?")
            url = base.rsplit("/", 1)[0] + "/" + DATABASE + (("?" + query) if query else "")
        else:
            url = f"postgresql://postgres@/{DATABASE}?host={socket_dir(admin_url)}"
        upgrade(url)
        yield url
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        if server is not None:
            server.stop()


def seed(url: str) -> tuple[str, list[str]]:
    """One warehouse stocking 100,000 SKUs (with their ledger rows, so the invariants hold); returns the
    hot SKU and all SKU ids."""
    warehouse_id = new_id("warehouse")
    sku_ids = [new_id("sku") for _ in range(SKUS)]
    hot = sku_ids[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO warehouses (id, merchant_id, name, country, region, priority) "
            "VALUES (%s, 'mer_bench', 'Bench', 'US', 'CA', 1)",
            (warehouse_id,),
        )
        for table, columns, line in (
            ("inventory", "(sku_id, warehouse_id, on_hand)", "{sku}\t{wh}\t{qty}\n"),
            (
                "inventory_ledger",
                "(sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason)",
                "{sku}\t{wh}\treceive\t{qty}\t0\tbench seed\n",
            ),
        ):
            buffer = io.StringIO()
            for sku in sku_ids:
                buffer.write(line.format(sku=sku, wh=warehouse_id, qty=10_000_000 if sku == hot else 1_000))
            with conn.cursor().copy(f"COPY {table} {columns} FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        conn.execute("ANALYZE")
    return hot, sku_ids


async def drive(count: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> tuple[float, list[float]]:
    """Run `count` calls of `one` from `concurrency` workers; wall seconds and per-call milliseconds."""
    latencies: list[float] = []
    counter = iter(range(count))

    async def worker() -> None:
        for n in counter:
            started = time.perf_counter()
            await one(n)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def positional(statement: ClauseElement) -> tuple[str, tuple[str, ...]]:
    """The statement exactly as SQLAlchemy sends it to asyncpg ($n placeholders), and its parameter order."""
    compiled = statement.compile(dialect=asyncpg_dialect.dialect())  # type: ignore[no-untyped-call]
    assert isinstance(compiled, SQLCompiler)
    return compiled.string, tuple(compiled.positiontup or ())


async def through_service(url: str, pick: Callable[[int], str], count: int, concurrency: int, tag: str) -> Result:
    engine = make_engine(url, pool_size=concurrency, max_overflow=0)
    now = datetime.now(UTC)

    async def one(n: int) -> None:
        async with unit_of_work(engine) as tx:
            await reserve_stock(tx, lines=[(pick(n), 1)], holder=f"{tag}_svc_{n}", ttl_seconds=TTL_SECONDS, now=now)

    try:
        seconds, latencies = await drive(count, concurrency, one)
    finally:
        await engine.dispose()
    return Result(tag, "service", count, seconds, latencies)


async def through_asyncpg(url: str, pick: Callable[[int], str], count: int, concurrency: int, tag: str) -> Result:
    """The same statements reserve_stock sends (savepoint, locking read, conditional write), without
    SQLAlchemy, the allocator or the retry wrapper."""
    lock_sql, lock_order = positional(_LOCK_AVAILABLE_ROWS)
    hold_sql, hold_order = positional(_HOLD_STOCK)
    assert lock_order == ("sku_ids",)
    pool = await asyncpg.create_pool(libpq_url(url), min_size=concurrency, max_size=concurrency)
    now = datetime.now(UTC)
    expires_at = datetime.fromtimestamp(now.timestamp() + TTL_SECONDS, UTC)

    async def one(n: int) -> None:
        sku, holder = pick(n), f"{tag}_raw_{n}"
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SAVEPOINT sa_savepoint_1")
            [candidate] = await conn.fetch(lock_sql, [sku])
            values: dict[str, Any] = {
                "ids": [new_id("reservation")],
                "sku_ids": [sku],
                "warehouse_ids": [candidate["warehouse_id"]],
                "qtys": [1],
                "holder": holder,
                "reason": "reserved for checkout",
                "expires_at": expires_at,
                "now": now,
            }
            rows = await conn.fetch(hold_sql, *(values[name] for name in hold_order))
            assert len(rows) == 1
            await conn.execute("RELEASE SAVEPOINT sa_savepoint_1")

    try:
        seconds, latencies = await drive(count, concurrency, one)
    finally:
        await pool.close()
    return Result(tag, "raw asyncpg", count, seconds, latencies)


async def invariant_violations(url: str) -> list[str]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            violations: list[str] = await check_invariants(conn)
            return violations
    finally:
        await engine.dispose()


async def measure(url: str, quick: bool) -> tuple[list[Result], list[str], int, int]:
    hot, sku_ids = seed(url)
    count, concurrency = (2_000, 16) if quick else (20_000, 32)
    rng = random.Random(42)
    uniform = [rng.choice(sku_ids) for _ in range(count)]
    workloads: list[tuple[str, Callable[[int], str]]] = [
        ("one hot SKU", lambda _n: hot),
        ("uniform over 100,000 SKUs", lambda n: uniform[n]),
    ]
    results: list[Result] = []
    for tag, pick in workloads:
        await through_service(url, pick, min(200, count), concurrency, f"warm{len(results)}")  # warm caches
        results.append(await through_service(url, pick, count, concurrency, tag))
        results.append(await through_asyncpg(url, pick, count, concurrency, tag))
    return results, await invariant_violations(url), count, concurrency


def report(results: list[Result], violations: list[str], count: int, concurrency: int, server: str) -> str:
    lines = [
        "## Inventory reservations",
        "",
        f"`bench/reservations.py`: {count:,} one-unit reservations per row, {concurrency} concurrent workers, each "
        f"reservation its own transaction, against {SKUS:,} stocked SKUs on {server}; "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}. The raw rows send the identical "
        "statements through an asyncpg pool; raw/service is what our layers (SQLAlchemy Core, the allocator, "
        "the retrying savepoint, the unit of work) cost.",
        "",
        "| workload | path | reservations/s | p50 ms | p95 ms | p99 ms | raw/service |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    by_workload: dict[str, dict[str, Result]] = {}
    for r in results:
        by_workload.setdefault(r.workload, {})[r.path] = r
    for workload, paths in by_workload.items():
        ratio = paths["raw asyncpg"].per_second / paths["service"].per_second
        for path, r in paths.items():
            lines.append(
                f"| {workload} | {path} | {r.per_second:,.0f} | {r.percentile(50):.2f} | {r.percentile(95):.2f} | "
                f"{r.percentile(99):.2f} | {f'{ratio:.2f}x' if path == 'service' else ''} |"
            )
    verdict = "hold" if not violations else f"are VIOLATED ({len(violations)} rows, e.g. {violations[0]})"
    lines += ["", f"Stock invariants after the run {verdict}.", ""]
    return "\n".join(lines)


def run(quick: bool) -> str:
    """Run the benchmark and answer its markdown section for docs/benchmarks.md."""
    with scratch_database() as url:
        with psycopg.connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()
        server = f"PostgreSQL {version[0] if version else '?'}"
        results, violations, count, concurrency = asyncio.run(measure(url, quick))
    return report(results, violations, count, concurrency, server)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]))
