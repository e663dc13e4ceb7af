"""Catalog reads under concurrent load: product detail and product lists beside /healthz, in one run.

The real server (`mercato serve`) runs in its own process on a seeded benchmark database; this process
drives closed-loop load over loopback HTTP. Each round measures every endpoint in turn; the figures are
medians over rounds, and each endpoint's throughput is also given as a share of /healthz's, the
ceiling of this server, client and machine.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import psycopg
import uvloop

from bench.database import BenchPostgres, count_rows
from bench.load import PhaseResult, Recorder, Scenario, Summary, run_phase, summarize
from bench.options import RunOptions
from bench.report import Section, machine, table
from bench.server import ApiServer
from mercato.seed import seed_marketplace

NAME = "catalog_read"
DEFAULT_PRODUCTS = 20_000
CONCURRENCY = 16  # past this, the Python client saturates before the server (measured)
PAGES_PER_WALK = 5


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how hard to push."""

    products: int
    rounds: int
    phase_seconds: float
    warmup_seconds: float
    concurrency: int
    max_requests: int


def plan_for(options: RunOptions) -> Plan:
    """Full runs: 3 rounds of 8 s per endpoint on 20,000 products; --quick: 1 round of 2 s on 2,000."""
    if options.quick:
        return Plan(options.products or 2_000, 1, 2.0, 0.5, 8, 50_000)
    return Plan(options.products or DEFAULT_PRODUCTS, 3, 8.0, 2.0, CONCURRENCY, 1_000_000)


@dataclass(frozen=True, slots=True)
class Catalog:
    """What the load picks from: sampled product ids and list queries over real slugs."""

    products: int
    skus: int
    product_ids: list[str]
    list_queries: list[str]


def sample_catalog(url: str, *, seed: int = 7) -> Catalog:
    """Sample ids and build a fixed, varied set of list queries (filters and sorts) from the seeded data."""
    with psycopg.connect(url) as conn:
        products = count_rows(conn, "products")
        skus = count_rows(conn, "skus")
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM products ORDER BY random() LIMIT 5000")]
        roots = [str(r[0]) for r in conn.execute("SELECT slug FROM categories WHERE parent_id IS NULL ORDER BY slug")]
        leaves = [
            str(r[0])
            for r in conn.execute(
                "SELECT slug FROM categories c WHERE NOT EXISTS (SELECT 1 FROM categories k WHERE k.parent_id = c.id)"
                " ORDER BY slug"
            )
        ]
        brands = [str(r[0]) for r in conn.execute("SELECT slug FROM brands ORDER BY slug")]
    rng = random.Random(seed)
    queries: list[dict[str, object]] = [
        {"limit": 24},
        {"limit": 24, "sort": "price"},
        {"limit": 24, "sort": "-price"},
        {"limit": 24, "sort": "rating"},
        {"limit": 24, "sort": "newest"},
        {"limit": 24, "in_stock": "true"},
        {"limit": 24, "min_price": 2_000, "max_price": 10_000},
        {"limit": 24, "min_rating": 4, "sort": "rating"},
    ]
    queries += [{"limit": 24, "category": slug} for slug in roots]
    queries += [{"limit": 24, "category": slug, "sort": "price"} for slug in rng.sample(leaves, min(5, len(leaves)))]
    queries += [{"limit": 24, "brand": slug, "in_stock": "true"} for slug in rng.sample(brands, min(5, len(brands)))]
    return Catalog(products, skus, ids, [urlencode(q) for q in queries])


def scenarios(catalog: Catalog) -> list[tuple[str, Scenario]]:
    """The endpoints measured, by the label they carry in the report."""

    async def healthz(client: httpx.AsyncClient, _rng: random.Random, rec: Recorder) -> None:
        await rec.get(client, "/healthz")

    async def detail(client: httpx.AsyncClient, rng: random.Random, rec: Recorder) -> None:
        await rec.get(client, f"/v1/products/{rng.choice(catalog.product_ids)}")

    async def first_page(client: httpx.AsyncClient, rng: random.Random, rec: Recorder) -> None:
        await rec.get(client, f"/v1/products?{rng.choice(catalog.list_queries)}")

    async def walk(client: httpx.AsyncClient, rng: random.Random, rec: Recorder) -> None:
        query = rng.choice(catalog.list_queries)
        response = await rec.get(client, f"/v1/products?{query}")
        for _ in range(PAGES_PER_WALK - 1):
            cursor = response.json().get("next_cursor") if response.status_code == 200 else None
            if not cursor:
                return
            response = await rec.get(client, f"/v1/products?{query}&{urlencode({'cursor': cursor})}")

    return [
        ("`GET /healthz` (ceiling)", healthz),
        ("`GET /v1/products/{id}` (random ids)", detail),
        (f"`GET /v1/products?limit=24` (first pages, {len(catalog.list_queries)} filter/sort variants)", first_page),
        (f"`GET /v1/products?…&cursor=` (walks of {PAGES_PER_WALK} pages via `next_cursor`)", walk),
    ]


async def measure(base_url: str, catalog: Catalog, plan: Plan) -> dict[str, Summary]:
    """Warm every endpoint up, then run the rounds; one Summary per endpoint."""
    measured = scenarios(catalog)
    for _, scenario in measured:
        await run_phase(
            base_url, scenario, concurrency=plan.concurrency, seconds=plan.warmup_seconds, max_requests=10**9
        )
    phases: dict[str, list[PhaseResult]] = {label: [] for label, _ in measured}
    for round_number in range(plan.rounds):
        for label, scenario in measured:
            result = await run_phase(
                base_url,
                scenario,
                concurrency=plan.concurrency,
                seconds=plan.phase_seconds,
                max_requests=plan.max_requests,
                seed=round_number + 1,
            )
            phases[label].append(result)
    return {label: summarize(results) for label, results in phases.items()}


@dataclass(frozen=True, slots=True)
class Setting:
    """Where the run happened: the database server, the API command, and how busy the machine was."""

    database: str
    server_command: str
    load_before: float


def render(
    summaries: dict[str, Summary], *, catalog: Catalog, plan: Plan, options: RunOptions, setting: Setting
) -> str:
    """The report section."""
    labels = list(summaries)
    ceiling = summaries[labels[0]].per_second or 1.0
    rows = []
    for label, s in summaries.items():
        failures = ", ".join(f"{count:,} x {status}" for status, count in sorted(s.statuses.items()) if status >= 300)
        rows.append(
            (
                label,
                f"{s.per_second:,.0f}",
                f"{s.p50_ms:.1f}",
                f"{s.p95_ms:.1f}",
                f"{s.p99_ms:.1f}",
                f"{s.per_second / ceiling:.0%}",
                f"{s.requests:,}",
                failures or "0",
            )
        )
    headers = ("endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs /healthz", "requests", "non-2xx")
    missing = [label for label, s in summaries.items() if s.requests and s.errors == s.requests]
    warning = ""
    if missing:
        warning = (
            "\n**Not measured:** every request to "
            + ", ".join(missing)
            + " failed (see non-2xx); those rows time the error path, not the endpoint.\n"
        )
    return f"""## Catalog reads under load (`{NAME}`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{options.command}`.

- Catalog: {catalog.products:,} products, {catalog.skus:,} SKUs (the demo seed, `mercato seed`).
- Server: `{setting.server_command}` (uvicorn with uvloop and httptools, one process) on {setting.database}.
- Load: {plan.concurrency} concurrent keep-alive connections over loopback, each its own
  httpx.AsyncClient, on uvloop, in the benchmark process; closed loop (a connection sends its next request
  when the answer is read); {plan.rounds} round(s) of {plan.phase_seconds:g} s per endpoint, after a
  {plan.warmup_seconds:g} s warm-up of each. Latency is per request as the client sees it; every figure is
  the median over the rounds.
- Machine: {machine(setting.load_before)}.
- **The load generator, the API process and PostgreSQL share these cores.** The Python client costs
  several times the server's CPU per trivial request, so `/healthz` measures mostly the client: it is the
  ceiling of this rig, not of the server. Absolute figures are a floor; the ratio to `/healthz`, measured
  in the same run, is what carries over.
{warning}
{table(headers, rows)}
"""


def run(options: RunOptions) -> Section:
    """Seed (or reuse) the benchmark catalog, start the server, drive the load, render the section."""
    plan = plan_for(options)
    load_before = os.getloadavg()[0]
    with BenchPostgres() as pg:
        url = pg.database(f"mercato_bench_catalog_{plan.products}")
        print(f"  {seed_marketplace(url, products=plan.products, force=False)}", flush=True)
        catalog = sample_catalog(url)
        with ApiServer(url) as server:
            summaries = uvloop.run(measure(server.base_url, catalog, plan))
            setting = Setting(pg.description, server.command, load_before)
    return Section(NAME, render(summaries, catalog=catalog, plan=plan, options=options, setting=setting))
