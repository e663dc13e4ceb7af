"""The raw SQL of the same transactions: Mercato's own checkout, its statements replayed through asyncpg.

Issue 6 sets the checkout's rate against "the raw SQL of the same transactions as the limit". Mercato's
checkout is recorded in this process on the real app (one checkout after a warm-up one, so per-process
caches such as the tax and shipping tables are not recorded, as on a warm server): every statement with
its parameters, grouped as the app sent them, alone in autocommit or inside a transaction. Then
connections of this process replay whole checkouts, each on a cart of its own prepared for it: the same
statements in the same transactions (BEGIN, the statements with their SAVEPOINTs, COMMIT), with no HTTP,
no PSP call and no Python of Mercato's between them. What the checkout creates gets fresh ids in each
replay (the session, reservations, payment, attempt, order, items, shipment, events, the Idempotency-Key
and the PSP's reference), inside JSON parameters too, and the buyer, cart and SKUs are the replay's own,
so every replay writes what a real checkout writes and none collides with another.

The pgbench-shaped transaction of bench/checkout_sql.py (the issue's "for scale") stays in the report
as the least a checkout's writes could cost; this one is the limit for Mercato's own transactions.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import psycopg
from sqlalchemy import event

from bench.checkout_setup import ADDRESS, SECRET
from bench.cpu import ProcessTreesMeter
from bench.database import ROOT
from bench.load import percentile
from mercato.kernel.ids import PREFIXES, new_id
from mercato.payments.registry import SANDBOX_API_KEY

# What one checkout creates, by id prefix: each replay gives these fresh ids.
_CREATED = (
    "checkout",
    "reservation",
    "payment",
    "payment_attempt",
    "event",
    "order",
    "order_item",
    "shipment",
    "ledger",
)
_KIND_OF_PREFIX = {PREFIXES[kind]: kind for kind in _CREATED}
_ID = re.compile(r"\b([a-z]{2,5})_[0-9a-hjkmnp-tv-z]{26}\b")
_PSP_REFERENCE = re.compile(r"\bpi_[A-Za-z0-9]{8,}\b")

Statement = tuple[str, Any, bool]  # SQL, its parameters (a list of tuples when executemany), executemany


@dataclass(frozen=True, slots=True)
class Unit:
    """Statements the app sent together: one alone in autocommit, or a transaction's."""

    autocommit: bool
    statements: list[Statement]


@dataclass(frozen=True, slots=True)
class Recording:
    """One checkout's SQL, and what in it names the buyer, the cart and its SKUs."""

    units: list[Unit]
    user_id: str
    cart_id: str
    skus: list[str]
    idempotency_key: str

    @property
    def statements(self) -> int:
        return sum(len(unit.statements) for unit in self.units)

    @property
    def transactions(self) -> int:
        return sum(1 for unit in self.units if not unit.autocommit)

    @property
    def autocommit(self) -> int:
        return sum(len(unit.statements) for unit in self.units if unit.autocommit)

    @property
    def round_trips(self) -> int:
        """Statements plus each transaction's BEGIN and COMMIT."""
        return self.statements + 2 * self.transactions


@dataclass(frozen=True, slots=True)
class Buyer:
    """A prepared cart to replay a checkout on: its owner, id and SKUs (sorted)."""

    user_id: str
    cart_id: str
    skus: list[str]


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """A replay phase: checkouts per second, p95 latency, and CPU per checkout of PostgreSQL and this client."""

    per_second: float
    p95_ms: float
    cpu_ms: dict[str, float]


def buyers(url: str, carts: list[tuple[str, str]]) -> list[Buyer]:
    """The owner and SKUs of each prepared (token, cart id)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.id, c.user_id, array_agg(l.sku_id ORDER BY l.sku_id) FROM carts c"
            " JOIN cart_lines l ON l.cart_id = c.id WHERE c.id = ANY(%s) GROUP BY c.id, c.user_id",
            ([cart_id for _, cart_id in carts],),
        ).fetchall()
    found = {cart_id: Buyer(user_id, cart_id, list(skus)) for cart_id, user_id, skus in rows}
    return [found[cart_id] for _, cart_id in carts]


def record_checkout(
    url: str, warmup: tuple[str, str], recorded: tuple[str, str], psp_url: str, psp_api_key: str = SANDBOX_API_KEY
) -> Recording:
    """Check out `warmup`, then `recorded` through the real app in this process (its PSP the sandbox at
    `psp_url`), recording the second."""
    from mercato.app import create_app
    from mercato.config import Settings

    settings = Settings(
        env="development",
        jwt_secret=SECRET,
        data_dir=ROOT / "var" / "bench-data",
        psp_providers=f"sandbox={psp_url}",
        psp_api_keys=f"sandbox={psp_api_key}",
        checkout_rate_limit=0,
    )
    app = create_app(settings, url)
    engine = app.state.container.engine.sync_engine
    recording = False
    open_units: dict[int, list[Statement]] = {}
    autocommit: dict[int, bool] = {}
    units: list[Unit] = []

    def on_begin(conn: Any) -> None:
        if recording:
            open_units[id(conn)] = []

    def on_statement(conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, many: bool) -> None:
        if recording:
            autocommit[id(conn)] = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
            open_units[id(conn)].append((statement, list(params) if many else tuple(params or ()), many))

    def on_end(conn: Any) -> None:
        statements = open_units.pop(id(conn), None) if recording else None
        if statements:
            units.append(Unit(autocommit[id(conn)], statements))

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("begin", on_begin),
        ("before_cursor_execute", on_statement),
        ("commit", on_end),
        ("rollback", on_end),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    key = uuid.uuid4().hex

    async def check_out() -> None:
        nonlocal recording
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            for (token, cart_id), idempotency_key in ((warmup, uuid.uuid4().hex), (recorded, key)):
                recording = cart_id == recorded[1]
                body = {"cart_id": cart_id, "shipping_address": ADDRESS, "payment_method_token": "pm_card_visa"}
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key}
                response = await client.post("/v1/checkout", json=body, headers=headers)
                assert response.status_code == 201, response.text
            recording = False

    try:
        asyncio.run(check_out())
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    [buyer] = buyers(url, [recorded])
    return Recording(units, buyer.user_id, buyer.cart_id, buyer.skus, key)


def replays(recording: Recording, buyers: list[Buyer]) -> list[list[Unit]]:
    """One checkout's units per buyer, with that buyer's ids and fresh ids for what the checkout creates."""
    text = repr([unit.statements for unit in recording.units])
    created = {match.group(0) for match in _ID.finditer(text) if match.group(1) in _KIND_OF_PREFIX}
    references = set(_PSP_REFERENCE.findall(text))
    out = []
    for buyer in buyers:
        if len(buyer.skus) != len(recording.skus):
            raise ValueError("a replay's cart must have as many SKUs as the recorded one")
        mapping = {recording.user_id: buyer.user_id, recording.cart_id: buyer.cart_id}
        mapping.update(zip(recording.skus, buyer.skus, strict=True))
        mapping[recording.idempotency_key] = uuid.uuid4().hex
        mapping.update({old: new_id(_KIND_OF_PREFIX[old.split("_", 1)[0]]) for old in created})
        mapping.update({old: "pi_" + secrets.token_hex(12) for old in references})
        out.append(_substituted(recording.units, mapping))
    return out


def _substituted(units: list[Unit], mapping: dict[str, str]) -> list[Unit]:
    pattern = re.compile("|".join(re.escape(old) for old in sorted(mapping, key=len, reverse=True)))

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda match: mapping[match.group(0)], value)
        if isinstance(value, list | tuple):
            return type(value)(swap(item) for item in value)
        return value

    return [
        Unit(unit.autocommit, [(sql, swap(params), many) for sql, params, many in unit.statements]) for unit in units
    ]


async def replay(
    url: str, work: list[list[Unit]], *, concurrency: int, seconds: float, postgres: int | None
) -> ReplayResult:
    """The checkouts of `work` on `concurrency` pooled connections for `seconds` (or until they run out:
    no checkout is replayed twice), as the app sends them."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    queue = iter(work)
    latencies: list[float] = []

    async def run_unit(conn: asyncpg.Connection, unit: Unit) -> None:
        for sql, params, many in unit.statements:
            if many:
                await conn.executemany(sql, params)
            else:
                await conn.fetch(sql, *params)

    async def worker(deadline: float) -> None:
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline and (units := next(queue, None)) is not None:
                started = time.perf_counter()
                for unit in units:
                    if unit.autocommit:
                        await run_unit(conn, unit)
                    else:
                        async with conn.transaction():
                            await run_unit(conn, unit)
                latencies.append(time.perf_counter() - started)

    try:
        # read before the pool closes: a backend that exits takes its CPU time out of its tree's sum
        with ProcessTreesMeter({"PostgreSQL": postgres}, client="raw client") as meter:
            started = time.perf_counter()
            await asyncio.gather(*(worker(started + seconds) for _ in range(concurrency)))
            elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    latencies.sort()
    done = len(latencies)
    return ReplayResult(
        per_second=done / elapsed,
        p95_ms=percentile(latencies, 0.95) * 1000,
        cpu_ms={name: 1000 * used / max(done, 1) for name, used in meter.used.items()},
    )
