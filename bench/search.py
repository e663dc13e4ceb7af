"""Search at a million products: `GET /v1/products` with text, filters, deep pages and facets, through
HTTP against the real server (`mercato serve`, its own process) on `mercato seed --products 1000000`.

Runs standalone (`python -m bench.search [--quick]`) or from `python -m bench --only search`; `run(quick)`
returns the Markdown section. The seeded database (`mercato_bench_search` under ./var/bench-pg) is kept
between runs, so only the first run pays for the seed. Each query class is measured alone, then the
classes are mixed at rising concurrency for throughput; PostgreSQL's own time per request comes from
pg_stat_statements, and the slowest class gets EXPLAIN ANALYZE notes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections.abc import Callable

import httpx
import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.affinity import can_confine
from bench.cpu import CpuMeter, postmaster_pid
from bench.database import ROOT, BenchPostgres
from bench.load import PhaseResult, Recorder, Scenario, percentile, run_phase
from bench.options import RunOptions
from bench.report import Section
from bench.search_cores import CoresVerdict, cores_section, measure_by_cores
from bench.search_explain import cursor_for_page, explain, service_ms, service_phase
from bench.search_queries import QueryClass, QuerySet, build_query_set
from bench.search_replay import ReplayVerdict, Search, measure_replay, record
from bench.search_report import (
    MIX,
    NAME,
    SEARCHES_PER_SECOND,
    WORKERS,
    Context,
    Measured,
    Plan,
    render,
    text_keys,
)
from bench.search_wrk import LoadedMix, measure_loaded, mixed_paths
from bench.server import ApiServer
from bench.wrk import run_wrk, wrk_path
from mercato.db.engine import make_engine
from mercato.seed import seed_marketplace

__all__ = ["NAME", "run", "section"]

CORES_ROUNDS = 3  # rounds of the per-core phases (one core, then two, in turn)

DATABASE = "mercato_bench_search"
LARGE_PRODUCTS = 1_000_000
QUICK_PRODUCTS = 20_000
# The server settings the figures were measured with (embedded PostgreSQL defaults give 128 MB of
# buffers, too few for a million-product catalog's indexes): applied with ALTER SYSTEM and a restart.
SETTINGS = {
    "shared_buffers": "2GB",
    "effective_cache_size": "8GB",
    "random_page_cost": "1.1",
    "shared_preload_libraries": "pg_stat_statements",
}


def plan_for(quick: bool, products: int | None = None) -> Plan:
    """Full runs: a million products, 10 s phases; --quick: 20,000 products, 2 s phases."""
    if quick:
        return Plan(products or QUICK_PRODUCTS, 1.0, 2.0, 4, (4, 16))
    return Plan(products or LARGE_PRODUCTS, 5.0, 10.0, 4, (1, 4, 8, 16))


def _tune(admin_url: str) -> bool:
    """Apply SETTINGS to the embedded server; True when it must restart for them to take effect.

    A server given by BENCH_DATABASE_URL is measured as it is configured (the report shows how)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return False
    restart = False
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name, value in SETTINGS.items():
            row = conn.execute("SELECT current_setting(%s)", (name,)).fetchone()
            if row is None or row[0] != value:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")  # constants above, never input
                restart = True
    return restart


def _settings(url: str) -> str:
    with psycopg.connect(url) as conn:
        shown = [(name, conn.execute("SELECT current_setting(%s)", (name,)).fetchone()) for name in SETTINGS]
    return ", ".join(f"{name}={row[0] if row else '?'}" for name, row in shown)


def _prepare(url: str) -> None:
    """Visibility map and statistics after a bulk load (index-only walks need it), then warm the indexes."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) products, search_product_facets, skus")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        for relation in (
            "ix_products_search_walk",
            "ix_products_search_document",
            "ix_products_search_name",
            "ix_products_search_name_brand",
            "ix_products_search_head",
            "ix_products_search_name_key",
            "search_product_facets",
            "products",
        ):
            conn.execute("SELECT pg_prewarm(%s)", (relation,))


def _scenario(query_class: QueryClass, timed: list[float]) -> Scenario:
    async def scenario(client: httpx.AsyncClient, rng: random.Random, rec: Recorder) -> None:
        query = rng.choice(query_class.queries)
        cursor = None
        for _ in range(query_class.depth - 1):  # untimed pages on the way down
            response = await client.get(f"/v1/products?{query}" + (f"&cursor={cursor}" if cursor else ""))
            cursor = response.json().get("next_cursor") if response.status_code == 200 else None
            if cursor is None:
                break
        response = await rec.get(client, f"/v1/products?{query}" + (f"&cursor={cursor}" if cursor else ""))
        timed.append(rec.latencies[-1])

    return scenario


def _mixed(classes: dict[str, QueryClass], timed: dict[str, list[float]]) -> Scenario:
    keys = [key for key in MIX if key in classes]
    weights = [MIX[key] for key in keys]
    each = {key: _scenario(classes[key], timed[key]) for key in keys}

    async def scenario(client: httpx.AsyncClient, rng: random.Random, rec: Recorder) -> None:
        await each[rng.choices(keys, weights)[0]](client, rng, rec)

    return scenario


def _db_ms_per_request(url: str, requests: int) -> float:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements WHERE dbid ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()
    return float(str(row[0])) / max(requests, 1) if row else 0.0


def _reset_statements(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


async def _phase(url: str, base_url: str, scenario: Scenario, concurrency: int, seconds: float) -> PhaseResult:
    return await run_phase(base_url, scenario, concurrency=concurrency, seconds=seconds, max_requests=10**9)


def _postgres_pid() -> int | None:
    """The embedded server's postmaster (a server given by BENCH_DATABASE_URL may be elsewhere: None)."""
    return None if os.environ.get("BENCH_DATABASE_URL") else postmaster_pid(ROOT / "var" / "bench-pg")


def _measure(
    url: str, base_url: str, queries: QuerySet, plan: Plan, api_pid: int | None = None
) -> tuple[dict[str, Measured], dict[int, Measured], PhaseResult]:
    classes = {c.key: c for c in queries.classes}
    meter = CpuMeter(api_pid=api_pid, postgres_pid=_postgres_pid())

    def run(make: Callable[[dict[str, list[float]]], Scenario], concurrency: int) -> Measured:
        warm: dict[str, list[float]] = {key: [] for key in classes}
        asyncio.run(_phase(url, base_url, make(warm), concurrency, plan.warmup_seconds))
        timed: dict[str, list[float]] = {key: [] for key in classes}
        _reset_statements(url)
        meter.start()
        result = asyncio.run(_phase(url, base_url, make(timed), concurrency, plan.phase_seconds))
        # Per HTTP request sent: a deep page's untimed requests on the way down are searches too.
        sent = result.requests + sum(len(v) * (classes[k].depth - 1) for k, v in timed.items())
        return Measured(result, _db_ms_per_request(url, result.requests), timed, meter.per_request(sent))

    alone = {
        key: run(lambda timed, key=key: _scenario(classes[key], timed[key]), plan.alone_concurrency)  # type: ignore[misc]
        for key in classes
    }
    mixed = {c: run(lambda timed: _mixed(classes, timed), c) for c in plan.mixed_concurrency}

    async def healthz(client: httpx.AsyncClient, _rng: random.Random, rec: Recorder) -> None:
        await rec.get(client, "/healthz")

    ceiling = asyncio.run(_phase(url, base_url, healthz, max(plan.mixed_concurrency), plan.phase_seconds))
    return alone, mixed, ceiling


def _measure_with_wrk(
    url: str, base_url: str, queries: QuerySet, plan: Plan, api_pid: int | None = None
) -> tuple[dict[int, LoadedMix], PhaseResult] | None:
    """The mix driven by wrk (with an httpx probe for per-class latency), and wrk's /healthz ceiling;
    None when wrk is not installed."""
    if wrk_path() is None:
        return None
    classes = {c.key: c for c in queries.classes}
    loaded = measure_loaded(
        base_url,
        mixed_paths(base_url, queries),
        lambda timed: _mixed(classes, timed),
        list(classes),
        connections=plan.mixed_concurrency,
        warmup_seconds=plan.warmup_seconds,
        seconds=plan.phase_seconds,
        before=lambda: _reset_statements(url),
        db_ms=lambda requests: _db_ms_per_request(url, requests),
        meter=CpuMeter(api_pid=api_pid, postgres_pid=_postgres_pid()),
    )
    ceiling = run_wrk(base_url, ["/healthz"], connections=max(plan.mixed_concurrency), seconds=plan.phase_seconds)
    return loaded, ceiling


def _measure_by_cores(
    base_url: str,
    queries: QuerySet,
    plan: Plan,
    api_pid: int | None,
    with_wrk: tuple[dict[int, LoadedMix], PhaseResult] | None,
) -> CoresVerdict | None:
    """The mix with the server on one core, then two (bench/search_cores.py), at the wrk phase's best
    number of connections (past it, CPU per search grows with contention); None where wrk, Linux core
    affinity or the server's processes (an external PostgreSQL) are not at hand."""
    postgres = _postgres_pid()
    if with_wrk is None or not can_confine() or api_pid is None or postgres is None:
        return None
    connections = max(with_wrk[0].values(), key=lambda mix: mix.per_second).connections
    runs = measure_by_cores(
        base_url,
        mixed_paths(base_url, queries),
        roots=[api_pid, postgres],
        connections=connections,
        warmup_seconds=plan.warmup_seconds,
        seconds=plan.phase_seconds,
        meter=CpuMeter(api_pid=api_pid, postgres_pid=postgres),
        rounds=CORES_ROUNDS,
    )
    return cores_section(runs, connections=connections, rounds=CORES_ROUNDS, target=SEARCHES_PER_SECOND)


def _measure_replay(url: str, queries: QuerySet, plan: Plan) -> ReplayVerdict:
    """PostgreSQL alone: the mix's statements, recorded through the service, replayed without the API."""

    async def recorded() -> dict[str, list[Search]]:
        engine = make_engine(url, pool_size=2, max_overflow=0)
        try:
            return await record(engine, await service_mix(engine, queries))
        finally:
            await engine.dispose()

    return measure_replay(url, asyncio.run(recorded()), MIX, seconds=plan.phase_seconds, postgres_pid=_postgres_pid())


async def _explain_slowest(url: str, queries: QuerySet, slowest: str) -> str:
    query_class = next(c for c in queries.classes if c.key == slowest)
    engine = make_engine(url, pool_size=2, max_overflow=0)
    try:
        timings = []
        for query in query_class.queries:  # the class's slowest query, by the service's own time
            cursor = await cursor_for_page(engine, query, query_class.depth) if query_class.depth > 1 else None
            timings.append((await service_ms(engine, query, cursor), query, cursor))
        _, query, cursor = max(timings)
        statements = await explain(engine, query, cursor)
    finally:
        await engine.dispose()
    lines = [
        f"Slowest class: **{query_class.label}**; its slowest query `{query}`"
        + (f" (page {query_class.depth})" if query_class.depth > 1 else "")
        + ", statement by statement (EXPLAIN ANALYZE execution time):",
        "",
    ]
    lines += [f"- {ms:.2f} ms: `{text}`" for text, ms, _ in statements]
    _text, ms, worst = max(statements, key=lambda s: s[1])
    lines += ["", f"Plan of the most expensive statement ({ms:.2f} ms):", "", "```", *worst.splitlines()[:40], "```"]
    return "\n".join(lines)


async def service_mix(engine: AsyncEngine, queries: QuerySet) -> dict[str, list[tuple[str, str | None]]]:
    """Each class's (query string, cursor) pairs for calls without HTTP: a deep page from its cursor."""
    mix: dict[str, list[tuple[str, str | None]]] = {}
    for query_class in queries.classes:
        if query_class.depth > 1:
            pairs = [(q, await cursor_for_page(engine, q, query_class.depth)) for q in query_class.queries[:10]]
        else:
            pairs = [(q, None) for q in query_class.queries]
        mix[query_class.key] = pairs
    return mix


async def _in_process(url: str, queries: QuerySet, plan: Plan) -> dict[int, tuple[int, float, list[float]]]:
    """The mix through the service alone, at 1 and 4 tasks (deep pages start from their page-10 cursor)."""
    engine = make_engine(url, pool_size=4, max_overflow=0)
    try:
        mix = await service_mix(engine, queries)
        results = {}
        for tasks in (1, 4):
            await service_phase(engine, mix, MIX, tasks=tasks, seconds=plan.warmup_seconds)
            results[tasks] = await service_phase(engine, mix, MIX, tasks=tasks, seconds=plan.phase_seconds)
        return results
    finally:
        await engine.dispose()


def run(quick: bool, products: int | None = None, command: str = "python -m bench.search") -> str:
    """Seed (or reuse) the catalog, measure, and return the Markdown section."""
    plan = plan_for(quick, products)
    with BenchPostgres() as pg:
        needs_restart = _tune(pg.admin_url)
    with BenchPostgres() as pg:  # started again: settings that need a restart are in effect now
        if needs_restart and _tune(pg.admin_url):
            raise RuntimeError("PostgreSQL did not take the benchmark settings after a restart")
        url = pg.database(f"{DATABASE}_{plan.products}")
        started = time.perf_counter()
        seeded = seed_marketplace(url, products=plan.products, force=False)
        seed_seconds = time.perf_counter() - started
        print(f"  {seeded}", flush=True)
        _prepare(url)
        queries = build_query_set(url)
        context = f"{pg.description}; {_settings(url)}"
        size = pg.size(url)
        with ApiServer(url, workers=WORKERS) as server:
            alone, mixed, ceiling = _measure(url, server.base_url, queries, plan, server.pid)
            with_wrk = _measure_with_wrk(url, server.base_url, queries, plan, server.pid)
            by_cores = _measure_by_cores(server.base_url, queries, plan, server.pid, with_wrk)
            server_command = server.command
        candidates = [*text_keys(queries), "facets"]
        slowest = max(candidates, key=lambda k: percentile(sorted(alone[k].latencies[k]), 0.95))
        notes = asyncio.run(_explain_slowest(url, queries, slowest))
        in_process = asyncio.run(_in_process(url, queries, plan))
        replayed = _measure_replay(url, queries, plan)
    return render(
        plan=plan,
        queries=queries,
        alone=alone,
        mixed=mixed,
        ceiling=ceiling,
        with_wrk=with_wrk,
        by_cores=by_cores,
        replayed=replayed,
        notes=notes,
        in_process=in_process,
        context=Context(
            database=context,
            size=size,
            seeded=seeded,
            seed_seconds=seed_seconds,
            server_command=server_command,
            command=command,
        ),
    )


def section(options: RunOptions) -> Section:
    """The registry entry of `python -m bench`."""
    return Section(NAME, run(options.quick, options.products, options.command))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 products and short phases")
    parser.add_argument("--products", type=int, help="catalog size (default 1,000,000)")
    parser.add_argument("--print", action="store_true", help="print the section instead of writing docs/benchmarks.md")
    args = parser.parse_args()
    from bench.__main__ import BENCHMARKS
    from bench.report import write_sections

    markdown = run(args.quick, args.products, "python -m bench.search" + (" --quick" if args.quick else ""))
    if args.print:
        print(markdown)
    else:
        write_sections([Section(NAME, markdown)], list(BENCHMARKS))
