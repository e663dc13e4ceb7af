"""The search benchmark's figures and how they are written into docs/benchmarks.md."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bench.cpu import CpuSplit
from bench.load import PhaseResult, percentile
from bench.report import machine, ms_cell, table
from bench.search_queries import QuerySet

if TYPE_CHECKING:
    from bench.search_cores import CoresVerdict
    from bench.search_replay import ReplayVerdict
    from bench.search_wrk import LoadedMix

NAME = "search"
WORKERS = 2
# The share of each class in the mixed phases.
MIX = {"popular": 30, "rare": 15, "typo": 10, "prefix": 15, "filters": 15, "deep": 5, "facets": 10}
TEXT_P95_MS = 50.0
FACETS_P95_MS = 150.0
SEARCHES_PER_SECOND = 200.0


@dataclass(frozen=True, slots=True)
class Plan:
    """How big, how long and how hard."""

    products: int
    warmup_seconds: float
    phase_seconds: float
    alone_concurrency: int
    mixed_concurrency: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Measured:
    """One phase: throughput, latency per class, and PostgreSQL's time per request."""

    result: PhaseResult
    db_ms: float
    latencies: dict[str, list[float]]
    cpu: CpuSplit | None = None  # CPU ms per request of the API, PostgreSQL and the client (bench/cpu.py)


@dataclass(frozen=True, slots=True)
class Context:
    """What the figures were measured on."""

    database: str
    size: str
    seeded: str
    seed_seconds: float
    server_command: str
    command: str


def _ms(values: list[float], fraction: float) -> float:
    return percentile(sorted(values), fraction) * 1000 if values else 0.0


def _verdict(value: float, target: float, *, higher: bool = False) -> str:
    return "met" if (value >= target if higher else value <= target) else "**not met**"


def _alone_rows(queries: QuerySet, alone: dict[str, Measured]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for query_class in queries.classes:
        measured = alone[query_class.key]
        timed = measured.latencies[query_class.key]
        rows.append(
            (
                query_class.label,
                len(query_class.queries),
                f"{measured.result.per_second:,.0f}",
                f"{_ms(timed, 0.50):.1f}",
                f"{_ms(timed, 0.95):.1f}",
                f"{_ms(timed, 0.99):.1f}",
                f"{measured.db_ms:.1f}",
                measured.result.errors,
            )
        )
    return rows


def text_keys(queries: QuerySet) -> list[str]:
    """The classes that count as text queries of the top 24 (not browsing, not facets)."""
    return [c.key for c in queries.classes if c.text and c.key != "facets"]


def _wrk_rows(texts: list[str], loaded: dict[int, LoadedMix]) -> tuple[list[tuple[object, ...]], tuple[float, ...]]:
    """The wrk table's rows, and the best throughput with both p95 targets held (with its p95s and load)."""
    rows: list[tuple[object, ...]] = []
    held = (0.0, 0.0, 0.0, 0.0)
    for connections, mix in loaded.items():
        text = [v for key in texts for v in mix.latencies.get(key, [])]
        text_p95, facets_p95 = _ms(text, 0.95), _ms(mix.latencies.get("facets", []), 0.95)
        if text_p95 <= TEXT_P95_MS and facets_p95 <= FACETS_P95_MS and mix.per_second > held[0]:
            held = (mix.per_second, text_p95, facets_p95, float(connections))
        rows.append(
            (
                connections,
                f"{mix.per_second:,.0f}",
                f"{mix.wrk.p50_ms:.1f}",
                f"{mix.wrk.p95_ms:.1f}",
                f"{mix.wrk.p99_ms:.1f}",
                f"{text_p95:.1f} ({len(text)})",
                f"{facets_p95:.1f} ({len(mix.latencies.get('facets', []))})",
                f"{mix.db_ms:.1f}",
                ms_cell(mix.cpu.api_ms if mix.cpu else None),
                ms_cell(mix.cpu.postgres_ms if mix.cpu else None),
                mix.wrk.errors + mix.probe.errors,
            )
        )
    return rows, held


def _wrk_section(texts: list[str], with_wrk: tuple[dict[int, LoadedMix], PhaseResult] | None) -> str:
    if with_wrk is None:
        return "(wrk is not installed here: `apt-get install wrk` adds the lighter generator's figures.)"
    loaded, ceiling = with_wrk
    rows, _ = _wrk_rows(texts, loaded)
    headers = (
        "wrk connections",
        "searches/s",
        "wrk p50 ms",
        "wrk p95 ms",
        "wrk p99 ms",
        "probe text p95 ms (n)",
        "probe text+facets p95 ms (n)",
        "PG ms/req",
        "CPU ms/req: API",
        "PostgreSQL",
        "errors",
    )
    return f"""The same mix cycled by `wrk` (C, one thread, keep-alive; deep pages as their page-10 URL), with
one httpx connection beside it sending the mix as above and timing each request by class (wrk only
reports latency over all requests). searches/s counts both; wrk's percentiles are over the whole mix.

{table(headers, rows)}

`GET /healthz` under wrk at {max(loaded)} connections: {ceiling.per_second:,.0f} req/s, p95 {ceiling.p95_ms:.1f} ms."""


def _held(rate: float, detail: str) -> str:
    """The best rate at which both p95 targets held, or that no phase held them."""
    if rate <= 0:
        return "no phase held both p95 targets"
    return f"{rate:,.0f}/s with both p95 targets held {detail}"


def render(
    *,
    plan: Plan,
    queries: QuerySet,
    alone: dict[str, Measured],
    mixed: dict[int, Measured],
    ceiling: PhaseResult,
    with_wrk: tuple[dict[int, LoadedMix], PhaseResult] | None,
    by_cores: CoresVerdict | None,
    replayed: ReplayVerdict,
    notes: str,
    in_process: dict[int, tuple[int, float, list[float]]],
    context: Context,
) -> str:
    """The Markdown section."""
    service_rows = [
        (tasks, f"{count / seconds:,.0f}", f"{_ms(latencies, 0.50):.1f}", f"{_ms(latencies, 0.95):.1f}")
        for tasks, (count, seconds, latencies) in in_process.items()
    ]
    texts = text_keys(queries)
    mixed_rows = []
    held = (0.0, 0.0, 0.0)  # the best throughput with both latency targets held, and its p95s
    for concurrency, measured in mixed.items():
        text = [v for key in texts for v in measured.latencies.get(key, [])]
        text_p95, facets_p95 = _ms(text, 0.95), _ms(measured.latencies.get("facets", []), 0.95)
        rate = measured.result.per_second
        if text_p95 <= TEXT_P95_MS and facets_p95 <= FACETS_P95_MS and rate > held[0]:
            held = (rate, text_p95, facets_p95)
        everything = [v for values in measured.latencies.values() for v in values]
        cpu = measured.cpu or CpuSplit(None, None, None)
        mixed_rows.append(
            (
                concurrency,
                f"{rate:,.0f}",
                f"{_ms(everything, 0.50):.1f}",
                f"{text_p95:.1f}",
                f"{_ms(text, 0.99):.1f}",
                f"{facets_p95:.1f}",
                f"{measured.db_ms:.1f}",
                ms_cell(cpu.api_ms),
                ms_cell(cpu.postgres_ms),
                ms_cell(cpu.client_ms),
                measured.result.errors,
            )
        )
    text_alone = _ms([v for key in texts for v in alone[key].latencies[key]], 0.95)
    facets_alone = _ms(alone["facets"].latencies["facets"], 0.95) if "facets" in alone else 0.0
    peak = max(m.result.per_second for m in mixed.values())
    throughput = f"httpx: {peak:,.0f}/s at best in the mix; " + _held(
        held[0], f"(text {held[1]:.1f} ms, facets {held[2]:.1f} ms)"
    )
    best_held = held[0]
    if with_wrk is not None:
        _, wrk_held = _wrk_rows(texts, with_wrk[0])
        wrk_peak = max(mix.per_second for mix in with_wrk[0].values())
        throughput += f"; wrk: {wrk_peak:,.0f}/s at best, " + _held(
            wrk_held[0],
            f"(probe text {wrk_held[1]:.1f} ms, facets {wrk_held[2]:.1f} ms, {wrk_held[3]:.0f} connections)",
        )
        best_held = max(best_held, wrk_held[0])
    if by_cores is not None:
        throughput += (
            f"; per core (server confined to 1, then 2): {by_cores.per_core:,.0f}/s, so about"
            f" {by_cores.needed} cores for {SEARCHES_PER_SECOND:,.0f}/s"
        )
    throughput += f"; PostgreSQL alone (its statements replayed, no API): {replayed.best:,.0f}/s at best"
    cores_markdown = (
        by_cores.markdown
        if by_cores is not None
        else "Not measured in this run: it needs wrk, Linux core affinity and the embedded PostgreSQL."
    )
    labels = {c.key: c.label for c in queries.classes}
    samples = "\n".join(
        f"- {labels[key]}: " + ", ".join(f"`{q}`" for q in values)
        for key, values in queries.sample.items()
        if key in labels
    )
    mix = ", ".join(f"{key} {share}%" for key, share in MIX.items())
    alone_headers = ("class", "queries", "req/s", "p50 ms", "p95 ms", "p99 ms", "PG ms/req", "errors")
    mixed_headers = (
        "connections",
        "searches/s",
        "p50 ms",
        "text p95 ms",
        "text p99 ms",
        "text+facets p95 ms",
        "PG ms/req",
        "CPU ms/req: API",
        "PostgreSQL",
        "client",
        "errors",
    )
    at = f"classes alone, {plan.alone_concurrency} connections"
    targets = table(
        ("target", "measured", "verdict"),
        [
            ("p95 ≤ 50 ms, text queries, top 24", f"{text_alone:.1f} ms ({at})", _verdict(text_alone, TEXT_P95_MS)),
            ("p95 ≤ 150 ms, text + all facets", f"{facets_alone:.1f} ms ({at})", _verdict(facets_alone, FACETS_P95_MS)),
            ("≥ 200 searches/s", throughput, _verdict(best_held, SEARCHES_PER_SECOND, higher=True)),
        ],
    )
    return f"""## Search at scale (`{NAME}`)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{context.command}`.

- Catalog: {queries.products:,} products (`mercato seed --products {plan.products}`: {context.seeded};
  {context.seed_seconds:.0f} s in this run); database {context.size}. Design: [docs/search.md](search.md).
- Server: `{context.server_command}` (uvicorn, {WORKERS} worker processes) on {context.database}.
  Before measuring: `VACUUM (ANALYZE)` (the visibility map lets relevance pages come from index-only
  scans) and `pg_prewarm` of the search indexes and the products table.
- Load: httpx.AsyncClient in the benchmark process, closed loop over loopback keep-alive connections
  (the tables below say when `wrk` drove it instead);
  each phase {plan.phase_seconds:g} s after a {plan.warmup_seconds:g} s warm-up. Latency is per request as
  the client sees it; "PG ms/req" is PostgreSQL's execution time per request (pg_stat_statements).
- Machine: {machine(os.getloadavg()[0])}. **The load generator, the API workers and PostgreSQL share these 2 cores**
  (with whatever else runs on the machine), so throughput is a floor for the server alone; the
  `/healthz` ceiling below, measured in the same run, is the best this server, client and machine do.

### Each class alone ({plan.alone_concurrency} connections)

{table(alone_headers, _alone_rows(queries, alone))}

### The classes mixed ({mix})

{table(mixed_headers, mixed_rows)}

"CPU ms/req" is the CPU time each part spent in the phase (Linux /proc: the API server and its workers,
PostgreSQL's processes, this benchmark's process) per HTTP request sent, deep pages' untimed requests
included. It depends much less than latency on what else shares the machine, so it says roughly how
many cores a throughput needs: searches/s × (API + PostgreSQL) ms / 1000.

`GET /healthz` at {max(plan.mixed_concurrency)} connections: {ceiling.per_second:,.0f} req/s,
p95 {ceiling.p95_ms:.1f} ms (the ceiling of this server, client and machine).

### The mix under a lighter load generator (wrk)

{_wrk_section(texts, with_wrk)}

The same mix through the search service in one process, without HTTP, FastAPI or the client (what the
service's Python and PostgreSQL do on these cores):

{table(("concurrent searches", "searches/s", "p50 ms", "p95 ms"), service_rows)}

### Per core: what would reach {SEARCHES_PER_SECOND:,.0f} searches/s

{cores_markdown}

### PostgreSQL alone: the ceiling of any API on this database and machine

The statements the search service runs for each query of the mix, recorded once in process, replayed
straight through asyncpg on connections of their own (bench/search_replay.py): no API, no HTTP, no query
building, a client that costs little. Whatever an API adds, it cannot serve more than this.

{replayed.markdown}

### Against the targets

{targets}

### EXPLAIN ANALYZE notes

{notes}

### Query samples

{samples}
"""
