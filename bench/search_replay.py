"""PostgreSQL's own ceiling for the search mix: the statements the search service runs, replayed straight
through asyncpg with no API, no HTTP and no query building.

Issue 3 says "where PostgreSQL cannot reach a target, say what would (and measure it)". The HTTP figures
mix three costs on two shared cores: the load generator, the API's Python and PostgreSQL. Here the API's
part is gone: each search of the mix is run once through the real service in this process to record its
statements and parameters (after a warm-up, so per-process caches are not recorded), then N connections
replay whole searches (BEGIN, the statements, ROLLBACK, as the service's read-only unit of work does)
for a while. The rate this reaches is more than any API on top of this database could serve on this
machine; with PostgreSQL confined to one core (bench/affinity.py) it is PostgreSQL's rate per core.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.affinity import Confined, can_confine
from bench.cpu import CpuMeter, CpuSplit
from bench.report import ms_cell, table
from bench.search_explain import CODEC, request_from
from mercato.search import SearchTuning, search_products

Statement = tuple[str, Sequence[Any]]
Search = list[Statement]  # the statements of one search, in order


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """One replay phase: searches per second, and CPU per search of PostgreSQL and of this client."""

    connections: int
    cores: int | None  # PostgreSQL confined to this many cores, or None (all of them)
    per_second: float
    postgres_ms: float | None
    client_ms: float | None


async def record(
    engine: AsyncEngine, mix: dict[str, list[tuple[str, str | None]]], tuning: SearchTuning = SearchTuning()
) -> dict[str, list[Search]]:
    """Every (query string, cursor) of the mix through the real service, twice: the second run's
    statements are kept (the first fills the process's caches, as a warm server's are). `tuning` lets
    an experiment record the statements another plan would run."""
    recorded: dict[str, list[Search]] = {}
    current: Search = []

    def capture(_conn: Connection, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        current.append((statement, tuple(params or ())))

    async with engine.connect() as conn:
        for query, cursor in (pair for pairs in mix.values() for pair in pairs):
            await search_products(conn, cursors=CODEC, request=request_from(query, cursor), tuning=tuning)
            await conn.rollback()
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            for key, pairs in mix.items():
                for query, cursor in pairs:
                    current = []
                    await search_products(conn, cursors=CODEC, request=request_from(query, cursor), tuning=tuning)
                    await conn.rollback()
                    recorded.setdefault(key, []).append(current)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
    return recorded


async def replay(
    url: str,
    recorded: dict[str, list[Search]],
    weights: dict[str, int],
    *,
    connections: int,
    seconds: float,
    warmup: float = 0.0,
    meter: CpuMeter | None = None,
) -> tuple[int, float, CpuSplit | None]:
    """Whole searches drawn from the mix by weight, on `connections` asyncpg connections for `seconds`
    after `warmup` seconds: (searches, elapsed seconds, CPU per search). The meter, if any, starts after
    the warm-up and is read before the connections close (a backend that exits takes its CPU time out of
    the live sum)."""
    keys = [key for key in weights if recorded.get(key)]
    conns = [await asyncpg.connect(url) for _ in range(connections)]
    done = 0
    split: CpuSplit | None = None

    async def worker(conn: asyncpg.Connection, rng: random.Random, deadline: float) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            search = rng.choice(recorded[rng.choices(keys, [weights[k] for k in keys])[0]])
            transaction = conn.transaction(readonly=True)
            await transaction.start()
            for statement, params in search:
                await conn.fetch(statement, *params)
            await transaction.rollback()
            done += 1

    try:
        rngs = [random.Random(index) for index in range(connections)]
        if warmup:
            deadline = time.perf_counter() + warmup
            await asyncio.gather(*(worker(conn, rng, deadline) for conn, rng in zip(conns, rngs, strict=True)))
        done = 0
        if meter is not None:
            meter.start()
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(worker(conn, rng, deadline) for conn, rng in zip(conns, rngs, strict=True)))
        elapsed = time.perf_counter() - started
        if meter is not None:
            split = meter.per_request(done)
    finally:
        for conn in conns:
            await conn.close()
    return done, elapsed, split


def replay_phase(
    url: str,
    recorded: dict[str, list[Search]],
    weights: dict[str, int],
    *,
    connections: int,
    seconds: float,
    postgres_pid: int | None,
    cores: set[int] | None = None,
) -> ReplayResult:
    """One measured replay (after a warm-up of a fifth of its length), PostgreSQL confined to `cores`."""
    meter = CpuMeter(api_pid=None, postgres_pid=postgres_pid)
    confined = Confined([postgres_pid], cores) if cores is not None and postgres_pid is not None else None
    if confined is not None:
        confined.__enter__()
    try:
        searches, elapsed, split = asyncio.run(
            replay(url, recorded, weights, connections=connections, seconds=seconds, warmup=seconds / 5, meter=meter)
        )
    finally:
        if confined is not None:
            confined.__exit__(None, None, None)
    return ReplayResult(
        connections=connections,
        cores=len(cores) if cores is not None else None,
        per_second=searches / elapsed if elapsed else 0.0,
        postgres_ms=split.postgres_ms if split else None,
        client_ms=split.client_ms if split else None,
    )


@dataclass(frozen=True, slots=True)
class ReplayVerdict:
    """The replay phases' Markdown and PostgreSQL's best rate for the mix on all cores."""

    markdown: str
    best: float


def measure_replay(
    url: str,
    recorded: dict[str, list[Search]],
    weights: dict[str, int],
    *,
    seconds: float,
    postgres_pid: int | None,
    connections: tuple[int, ...] = (2, 4, 8),
) -> ReplayVerdict:
    """The mix replayed on all cores at each connection count, on one core (the client on the other) when
    Linux lets the benchmark confine PostgreSQL, and each class alone: PostgreSQL's ceiling and where its
    CPU goes."""
    runs = [
        replay_phase(url, recorded, weights, connections=n, seconds=seconds, postgres_pid=postgres_pid)
        for n in connections
    ]
    if can_confine() and postgres_pid is not None:
        everything = os.sched_getaffinity(0)
        os.sched_setaffinity(0, everything - {0})
        try:
            runs.append(
                replay_phase(
                    url, recorded, weights, connections=4, seconds=seconds, postgres_pid=postgres_pid, cores={0}
                )
            )
        finally:
            os.sched_setaffinity(0, everything)
    by_class = {
        key: replay_phase(url, recorded, {key: 1}, connections=4, seconds=seconds / 2, postgres_pid=postgres_pid)
        for key in weights
        if recorded.get(key)
    }
    return ReplayVerdict(_markdown(runs, by_class, weights), max(run.per_second for run in runs if run.cores is None))


def _markdown(runs: list[ReplayResult], by_class: dict[str, ReplayResult], weights: dict[str, int]) -> str:
    rows = [
        (
            "both" if run.cores is None else f"{run.cores} (client on the other)",
            run.connections,
            f"{run.per_second:,.0f}",
            ms_cell(run.postgres_ms),
            ms_cell(run.client_ms),
        )
        for run in runs
    ]
    total = sum(weights.values())
    class_rows = [
        (
            key,
            f"{weights[key] * 100 / total:.0f}%",
            f"{run.per_second:,.0f}",
            ms_cell(run.postgres_ms),
            ms_cell(run.postgres_ms * weights[key] / total if run.postgres_ms is not None else None),
        )
        for key, run in by_class.items()
    ]
    return "\n".join(
        [
            table(("PostgreSQL's cores", "connections", "searches/s", "PostgreSQL CPU ms/search", "client"), rows),
            "",
            "Each class alone (4 connections, both cores): where PostgreSQL's CPU per search of the mix goes.",
            "",
            table(("class", "share of the mix", "searches/s", "PostgreSQL CPU ms/search", "in the mix"), class_rows),
        ]
    )
