"""A closed-loop HTTP load generator: N concurrent connections, each sending its next request as soon as
the previous answer is read, until a time or request budget runs out.

It runs in the benchmark's own process with httpx.AsyncClient, on the same cores as the server, so its
own CPU cost is part of every figure; the trivial endpoint measured in the same run shows that ceiling.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx


@dataclass(slots=True)
class Recorder:
    """What one phase measured: a latency and a status per request."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    async def get(self, client: httpx.AsyncClient, url: str) -> httpx.Response:
        """GET `url`, reading the whole body, and record how long it took and its status."""
        started = time.perf_counter()
        response = await client.get(url)
        self.latencies.append(time.perf_counter() - started)
        self.statuses[response.status_code] += 1
        return response


_ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)

# A scenario sends one or more requests through the recorder; `rng` is the connection's own.
Scenario = Callable[[httpx.AsyncClient, random.Random, Recorder], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PhaseResult:
    """Throughput and latency percentiles of one phase (one scenario, one round)."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # answers that were not 2xx
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run_phase(
    base_url: str,
    scenario: Scenario,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    seed: int = 1,
) -> PhaseResult:
    """Drive `scenario` on `concurrency` connections for `seconds` or `max_requests`, whichever ends first."""
    recorder = Recorder()
    deadline = time.perf_counter() + seconds

    async def connection(index: int) -> None:
        # One client per connection: a shared pool's bookkeeping grows with the number of waiters and
        # would make the client, not the server, the bottleneck as concurrency rises.
        rng = random.Random(seed * 1_000 + index)
        async with httpx.AsyncClient(base_url=base_url, limits=_ONE_CONNECTION, timeout=30.0) as client:
            while time.perf_counter() < deadline and len(recorder.latencies) < max_requests:
                await scenario(client, rng, recorder)

    started = time.perf_counter()
    await asyncio.gather(*(connection(i) for i in range(concurrency)))
    return phase_of(recorder.latencies, time.perf_counter() - started, recorder.statuses)


def phase_of(latencies: Sequence[float], seconds: float, statuses: Counter[int]) -> PhaseResult:
    """The figures of a phase from its latencies (seconds), its length and its answers' statuses."""
    ordered = sorted(latencies)
    return PhaseResult(
        requests=sum(statuses.values()),
        seconds=seconds,
        p50_ms=percentile(ordered, 0.50) * 1000,
        p95_ms=percentile(ordered, 0.95) * 1000,
        p99_ms=percentile(ordered, 0.99) * 1000,
        errors=sum(count for status, count in statuses.items() if not 200 <= status < 300),
        statuses=dict(statuses),
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """Medians over rounds of one scenario's phases."""

    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    statuses: dict[int, int]


def summarize(phases: Sequence[PhaseResult]) -> Summary:
    """Each figure is the median over the rounds; requests, errors and statuses are totals."""
    statuses: Counter[int] = Counter()
    for phase in phases:
        statuses.update(phase.statuses)
    return Summary(
        per_second=statistics.median(p.per_second for p in phases),
        p50_ms=statistics.median(p.p50_ms for p in phases),
        p95_ms=statistics.median(p.p95_ms for p in phases),
        p99_ms=statistics.median(p.p99_ms for p in phases),
        requests=sum(p.requests for p in phases),
        errors=sum(p.errors for p in phases),
        statuses=dict(statuses),
    )
