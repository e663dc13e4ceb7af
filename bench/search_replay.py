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
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.affinity import Confined
from bench.cpu import CpuMeter
from bench.search_explain import CODEC, request_from
from mercato.search import search_products

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


async def record(engine: AsyncEngine, mix: dict[str, list[tuple[str, str | None]]]) -> dict[str, list[Search]]:
    """Every (query string, cursor) of the mix through the real service, twice: the second run's
    statements are kept (the first fills the process's caches, as a warm server's are)."""
    recorded: dict[str, list[Search]] = {}
    current: Search = []

    def capture(_conn: Connection, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        current.append((statement, tuple(params or ())))

    async with engine.connect() as conn:
        for query, cursor in (pair for pairs in mix.values() for pair in pairs):
            await search_products(conn, cursors=CODEC, request=request_from(query, cursor))
            await conn.rollback()
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            for key, pairs in mix.items():
                for query, cursor in pairs:
                    current = []
                    await search_products(conn, cursors=CODEC, request=request_from(query, cursor))
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
) -> tuple[int, float]:
    """Whole searches drawn from the mix by weight, on `connections` asyncpg connections for `seconds`:
    (searches, elapsed seconds)."""
    keys = [key for key in weights if recorded.get(key)]
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done
        rng = random.Random(index)
        conn = await asyncpg.connect(url)
        try:
            while time.perf_counter() < deadline:
                search = rng.choice(recorded[rng.choices(keys, [weights[k] for k in keys])[0]])
                transaction = conn.transaction(readonly=True)
                await transaction.start()
                for statement, params in search:
                    await conn.fetch(statement, *params)
                await transaction.rollback()
                done += 1
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    return done, time.perf_counter() - started


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
        asyncio.run(replay(url, recorded, weights, connections=connections, seconds=seconds / 5))
        meter.start()
        searches, elapsed = asyncio.run(replay(url, recorded, weights, connections=connections, seconds=seconds))
        split = meter.per_request(searches)
    finally:
        if confined is not None:
            confined.__exit__(None, None, None)
    return ReplayResult(
        connections=connections,
        cores=len(cores) if cores is not None else None,
        per_second=searches / elapsed if elapsed else 0.0,
        postgres_ms=split.postgres_ms,
        client_ms=split.client_ms,
    )
