"""What the search mix does per core: the API workers and PostgreSQL confined to one core, then given
both, with the same wrk load (on the other core while the server has one).

Where 2 cores cannot reach a throughput target, this is the measured answer to "what would": if the
rate doubles from one core to two, searches/s per core times the cores a deployment gives it is the
rate to expect, and the target's cores follow. The CPU per request, read in the same phases, says the
same from the other side (cores ≈ searches/s × CPU ms per search / 1000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.affinity import Confined
from bench.cpu import CpuMeter, CpuSplit
from bench.load import PhaseResult
from bench.report import ms_cell, table
from bench.wrk import run_wrk

SERVER_ALONE = {0}
GENERATOR_APART = {1}
BOTH = {0, 1}


@dataclass(frozen=True, slots=True)
class CoresRun:
    """One phase of the mix with the server confined to `cores`."""

    cores: int
    wrk: PhaseResult
    cpu: CpuSplit | None


def measure_by_cores(
    base_url: str,
    paths: list[str],
    *,
    roots: list[int],
    connections: int,
    warmup_seconds: float,
    seconds: float,
    meter: CpuMeter,
    rounds: int = 3,
) -> list[CoresRun]:
    """The mix under wrk with the server's process trees (`roots`) on one core, then on both, `rounds`
    times in turn (so a neighbour's burst does not fall on one side only); the median round of each."""
    by_cores: dict[int, list[CoresRun]] = {}
    for _ in range(rounds):
        for server_cores, generator_cores in ((SERVER_ALONE, GENERATOR_APART), (BOTH, BOTH)):
            with Confined(roots, server_cores):

                def load(length: float, cores: set[int] = generator_cores) -> PhaseResult:
                    return run_wrk(base_url, paths, connections=connections, seconds=length, cores=cores)

                load(warmup_seconds)
                meter.start()
                measured = load(seconds)
                run = CoresRun(len(server_cores), measured, meter.per_request(measured.requests))
                by_cores.setdefault(run.cores, []).append(run)
    return [sorted(runs, key=lambda r: r.wrk.per_second)[len(runs) // 2] for runs in by_cores.values()]


@dataclass(frozen=True, slots=True)
class CoresVerdict:
    """The phases' table and what they say about a throughput target."""

    markdown: str
    per_core: float  # searches/s per core with both cores
    needed: int  # cores of this kind the target would take at that rate


def cores_section(runs: list[CoresRun], *, connections: int, rounds: int, target: float) -> CoresVerdict:
    """The Markdown table, and the cores the target would take, scaled from the per-core rate."""
    rows = [
        (
            run.cores,
            f"{run.wrk.per_second:,.0f}",
            f"{run.wrk.per_second / run.cores:,.0f}",
            f"{run.wrk.p50_ms:.1f}",
            f"{run.wrk.p95_ms:.1f}",
            ms_cell(run.cpu.api_ms if run.cpu else None),
            ms_cell(run.cpu.postgres_ms if run.cpu else None),
            run.wrk.errors,
        )
        for run in runs
    ]
    headers = (
        "cores for API + PostgreSQL",
        "searches/s",
        "per core",
        "wrk p50 ms",
        "wrk p95 ms",
        "CPU ms/req: API",
        "PostgreSQL",
        "errors",
    )
    one, both = runs[0].wrk.per_second, runs[-1].wrk.per_second
    per_core = both / runs[-1].cores
    needed = math.ceil(target / per_core) if per_core > 0 else 0
    scaling = both / one if one > 0 else 0.0
    markdown = "\n".join(
        [
            table(headers, rows),
            "",
            f"From one core to two the rate grew **{scaling:.2f}×**. At {per_core:,.0f} searches/s per core,"
            f" {target:,.0f} searches/s of this mix would take about **{needed} such cores** for the API workers"
            f" and PostgreSQL together, if the rate keeps growing with cores as it did here. Medians of"
            f" {rounds} rounds of each, taken in turn; wrk ran {connections} connections (the best of the wrk"
            " phase above), on the other core while the server had one and sharing both cores otherwise (so"
            " the two-core rate, and the per-core rate from it, are a little low).",
        ]
    )
    return CoresVerdict(markdown, per_core, needed)
