"""The search mix under load from `wrk` (bench/wrk.py), with one httpx connection beside it as a probe.

wrk drives the load cheaply but reports latency over all requests only; the probe sends the same mix,
one request at a time, and records each request's latency by query class, so the per-class p95s under
that load come from the probe. Throughput is what both together got answered.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.cpu import CpuMeter, CpuSplit
from bench.load import PhaseResult, Scenario, run_phase
from bench.search_queries import QuerySet
from bench.search_report import MIX
from bench.wrk import run_wrk

# Each class's share of the cycled list is its MIX share; the list is long enough that every class's
# queries are all in it and the order does not repeat within a phase's first few thousand requests.
_CYCLE = 4_000


@dataclass(frozen=True, slots=True)
class LoadedMix:
    """One phase: wrk's load and figures, the probe's per-class latencies, PostgreSQL's time per request."""

    connections: int
    wrk: PhaseResult
    probe: PhaseResult
    latencies: dict[str, list[float]]
    db_ms: float
    cpu: CpuSplit | None = None  # per request; the client's figure is the probe's process, not wrk

    @property
    def per_second(self) -> float:
        return self.wrk.per_second + self.probe.per_second


def _deep_path(client: httpx.Client, query: str, depth: int) -> str | None:
    """The path of page `depth` of a query, following next_cursor through the server."""
    cursor: str | None = None
    for _ in range(depth - 1):
        response = client.get(f"/v1/products?{query}" + (f"&cursor={cursor}" if cursor else ""))
        cursor = response.json().get("next_cursor") if response.status_code == 200 else None
        if cursor is None:
            return None
    return f"/v1/products?{query}&cursor={cursor}"


def mixed_paths(base_url: str, queries: QuerySet, *, seed: int = 5) -> list[str]:
    """The mix as a list of request paths in a shuffled order (deep pages with their cursor)."""
    rng = random.Random(seed)
    by_class: dict[str, list[str]] = {}
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        for query_class in queries.classes:
            if query_class.depth > 1:
                found = [_deep_path(client, q, query_class.depth) for q in query_class.queries[:20]]
                by_class[query_class.key] = [path for path in found if path is not None]
            else:
                by_class[query_class.key] = [f"/v1/products?{q}" for q in query_class.queries]
    shares = {key: share for key, share in MIX.items() if by_class.get(key)}
    total = sum(shares.values())
    paths: list[str] = []
    for key, share in shares.items():
        paths += [rng.choice(by_class[key]) for _ in range(_CYCLE * share // total)]
    rng.shuffle(paths)
    return paths


def run_loaded(
    base_url: str,
    paths: list[str],
    probe: Scenario,
    *,
    connections: int,
    seconds: float,
) -> tuple[PhaseResult, PhaseResult]:
    """wrk on `connections` connections and the probe on one more, for the same `seconds`."""
    figures: dict[str, PhaseResult] = {}

    def load() -> None:
        figures["wrk"] = run_wrk(base_url, paths, connections=connections, seconds=seconds)

    thread = threading.Thread(target=load)
    thread.start()
    probed = asyncio.run(run_phase(base_url, probe, concurrency=1, seconds=seconds, max_requests=10**9, seed=7))
    thread.join()
    return figures["wrk"], probed


def measure_loaded(
    base_url: str,
    paths: list[str],
    make_probe: Callable[[dict[str, list[float]]], Scenario],
    keys: list[str],
    *,
    connections: tuple[int, ...],
    warmup_seconds: float,
    seconds: float,
    before: Callable[[], None],
    db_ms: Callable[[int], float],
    meter: CpuMeter | None = None,
) -> dict[int, LoadedMix]:
    """The mix at each number of wrk connections: a warm-up, then the measured phase."""
    results = {}
    for count in connections:
        run_loaded(base_url, paths, make_probe({key: [] for key in keys}), connections=count, seconds=warmup_seconds)
        timed: dict[str, list[float]] = {key: [] for key in keys}
        before()
        if meter is not None:
            meter.start()
        wrk, probe = run_loaded(base_url, paths, make_probe(timed), connections=count, seconds=seconds)
        sent = wrk.requests + probe.requests
        cpu = meter.per_request(sent) if meter is not None else None
        results[count] = LoadedMix(count, wrk, probe, timed, db_ms(sent), cpu)
    return results
