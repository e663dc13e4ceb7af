"""Checkout throughput and latency through HTTP, beside the raw SQL of the same transactions.

(a) the PSP sandbox at 0 ms, to measure Mercato's own path; (b) at 300–800 ms, to show the service stays
responsive with many checkouts in flight. The limit is the same writes issued raw through asyncpg by
the same number of connections. Also counted: the SQL round trips and transactions of one checkout.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import psycopg

from bench.checkout_floor import FloorServer
from bench.checkout_sql import CONFIRM, RESERVE, bind
from bench.checkout_wrk import checkout_lines, drive_checkouts
from bench.cpu import ProcessTreesMeter, postmaster_pid
from bench.database import ROOT, BenchPostgres
from bench.load import PhaseResult, Recorder, Summary, phase_of, run_phase, summarize
from bench.options import RunOptions
from bench.profiling import Sampler, profile_markdown
from bench.report import Section, machine, table
from bench.server import ApiServer, free_port
from bench.wrk import wrk_path
from mercato.kernel.ids import new_id

NAME = "checkout"
LOAD_GENERATOR = "load generator"
# The stack's floors measured (bench/checkout_floor.py): (label, with the guarantees' writes, API processes)
FLOOR_REQUESTS = 8_000  # checkouts prepared for one floor round (its carts are reused, its keys are not)
FLOORS = (("bare, 1 process", False, 1), ("guarded, 1 process", True, 1), ("guarded, 2 processes", True, 2))
SECRET = "bench-secret-" + "b" * 40
SKUS = 500
SWEEP = (1, 2, 4, 8)  # concurrent buyers: the rate and latency curve, to find the highest rate with p95 < 200 ms
SKU_IDS = [new_id("sku") for _ in range(SKUS)]
ADDRESS = {
    "name": "Bench",
    "line1": "1 Main",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "country": "US",
}


@dataclass(frozen=True, slots=True)
class Plan:
    rounds: int
    seconds: float
    carts: int
    concurrency_fast: int
    concurrency_slow: int


def plan_for(options: RunOptions) -> Plan:
    if options.quick:
        return Plan(rounds=1, seconds=3.0, carts=600, concurrency_fast=8, concurrency_slow=32)
    return Plan(rounds=3, seconds=10.0, carts=20_000, concurrency_fast=16, concurrency_slow=128)


def prepare_carts(url: str, carts: int, *, skus: int = SKUS) -> list[tuple[str, str]]:
    """One merchant, `skus` SKUs with deep stock, rates, and `carts` customers' carts of 2 lines; (token,
    cart_id) each."""
    now = datetime.now(UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO merchants (id, name, slug) VALUES ('mer_bench', 'Bench', 'bench') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO brands (id, slug, name) VALUES ('brd_bench', 'bench', 'Bench') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO categories (id, slug, name, path) VALUES ('cat_bench', 'bench', 'Bench', 'bench')"
            " ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO warehouses (id, merchant_id, name, country, region, priority)"
            " VALUES ('wh_bench', 'mer_bench', 'Main', 'US', 'TX', 1) ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO shipping_zones (country, region, zone) VALUES ('US', '', 'us') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO shipping_rates (carrier, zone, max_weight_grams, amount, currency)"
            " VALUES ('ups', 'us', 50000, 700, 'usd') ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO tax_rates (country, region, postal_prefix, rate_bps) VALUES ('US', 'TX', '', 825)"
            " ON CONFLICT DO NOTHING"
        )
        for n in range(skus):
            pid, sid = new_id("product"), SKU_IDS[n]
            conn.execute(
                "INSERT INTO products (id, merchant_id, name, slug, brand_id, category_id, currency, price_min,"
                " price_max) VALUES (%s, 'mer_bench', %s, %s, 'brd_bench', 'cat_bench', 'usd', 1999, 1999)"
                " ON CONFLICT DO NOTHING",
                (pid, f"Bench item {n}", f"bench-{n}"),
            )
            conn.execute(
                "INSERT INTO skus (id, product_id, merchant_id, code, price, currency, weight_grams)"
                " VALUES (%s, %s, 'mer_bench', %s, 1999, 'usd', 300) ON CONFLICT DO NOTHING",
                (sid, pid, f"B-{n}"),
            )
            conn.execute(
                "INSERT INTO inventory (sku_id, warehouse_id, on_hand) VALUES (%s, 'wh_bench', 10000000)"
                " ON CONFLICT DO NOTHING",
                (sid,),
            )
            conn.execute(
                "INSERT INTO inventory_ledger (sku_id, warehouse_id, kind, on_hand_delta, reserved_delta, reason)"
                " VALUES (%s, 'wh_bench', 'receive', 10000000, 0, 'bench')",
                (sid,),
            )
        pairs = []
        with conn.cursor() as cur:
            for n in range(carts):
                user, cart = new_id("user"), new_id("cart")
                cur.execute(
                    "INSERT INTO users (id, email, password_hash, name, role) VALUES (%s, %s, 'x', 'B', 'customer')",
                    (user, f"{user}@bench.example.com"),
                )
                cur.execute("INSERT INTO carts (id, user_id, currency) VALUES (%s, %s, 'usd')", (cart, user))
                for line in range(2):
                    sku = SKU_IDS[(n * 2 + line) % skus]
                    cur.execute(
                        "INSERT INTO cart_lines (id, cart_id, sku_id, qty, added_price) VALUES (%s, %s, %s, 1, 1999)",
                        (new_id("cart_line"), cart, sku),
                    )
                claims = {
                    "iss": "mercato",
                    "sub": user,
                    "role": "customer",
                    "iat": now,
                    "exp": now + timedelta(hours=4),
                }
                pairs.append((jwt.encode(claims, SECRET, algorithm="HS256"), cart))
    return pairs


class Sandbox:
    """`mercato psp-sandbox` with the given latency, in its own process."""

    def __init__(self, latency: str) -> None:
        self.port = free_port()
        self.latency = latency
        self.state = ROOT / "var" / "bench-psp" / uuid.uuid4().hex
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sandbox:
        self.state.mkdir(parents=True, exist_ok=True)
        args = ["--port", str(self.port), "--state-dir", str(self.state), "--latency-ms", self.latency]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mercato.cli", "psp-sandbox", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/_sandbox/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the PSP sandbox did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


def _server_env(sandbox: Sandbox) -> dict[str, str]:
    return {
        "MERCATO_JWT_SECRET": SECRET,
        "MERCATO_PSP_PROVIDERS": f"sandbox=http://127.0.0.1:{sandbox.port}",
        "MERCATO_CHECKOUT_RATE_LIMIT": "0",
        "MERCATO_DB_POOL_SIZE": "20",
        "MERCATO_DB_MAX_OVERFLOW": "20",
    }


async def _drive(
    base_url: str, carts: list[tuple[str, str]], *, concurrency: int, seconds: float, warmup: float = 0.0
) -> Summary:
    """Checkouts on `concurrency` closed-loop connections for `seconds` (after `warmup` seconds, whose
    answers are left out)."""
    queue = iter(carts)
    timeline: list[tuple[float, float, int]] = []  # (sent, answered, status) of every checkout

    async def scenario(client: httpx.AsyncClient, _rng: random.Random, recorder: Recorder) -> None:
        token, cart_id = next(queue)
        body = {"cart_id": cart_id, "shipping_address": ADDRESS, "payment_method_token": "pm_card_visa"}
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        started = time.perf_counter()
        response = await client.post("/v1/checkout", json=body, headers=headers)
        answered = time.perf_counter()
        recorder.latencies.append(answered - started)
        recorder.statuses[response.status_code] += 1
        timeline.append((started, answered, response.status_code))

    # A connection checks the count of finished checkouts before it takes a cart while the others may each
    # hold one in flight: stop early enough that the carts never run out (a short --quick run hit that).
    most = len(carts) - concurrency + 1
    began = time.perf_counter()
    phase = await run_phase(base_url, scenario, concurrency=concurrency, seconds=warmup + seconds, max_requests=most)
    if warmup:
        phase = _after_warmup(timeline, began + warmup, seconds)
    return summarize([phase])


# The rows every checkout updates: thousands of updates of the same 500 stock rows leave long chains of dead
# versions that slow the next phase down (the raw limit, run last, fell from about 550 to 230/s), so each
# phase starts from a vacuumed table, as autovacuum keeps a long-running server.
_UPDATED_TABLES = "inventory, reservations, carts, payments, payment_attempts, checkout_sessions, idempotency_keys"


def _vacuum(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {_UPDATED_TABLES}")


def _checkouts(
    base_url: str, carts: list[tuple[str, str]], *, concurrency: int, seconds: float, warmup: float = 0.0
) -> Summary:
    """A phase of checkouts, each cart once, driven by wrk when it is installed (bench/checkout_wrk.py),
    else by httpx in this process; after `warmup` seconds whose answers are left out."""
    if wrk_path() is None:
        return asyncio.run(_drive(base_url, carts, concurrency=concurrency, seconds=seconds, warmup=warmup))
    lines = checkout_lines(carts, ADDRESS)
    if warmup:
        # The warm-up's own share of the carts: a third for a warm-up half as long as the measured phase.
        split = len(lines) * round(warmup) // round(warmup + seconds)
        drive_checkouts(base_url, lines[:split], connections=concurrency, seconds=warmup)
        lines = lines[split:]
    return summarize([drive_checkouts(base_url, lines, connections=concurrency, seconds=seconds)])


def load_generator() -> str:
    """Which load generator `_checkouts` uses, for the report."""
    return "wrk (C, one thread)" if wrk_path() else "httpx in the benchmark process"


def _after_warmup(timeline: list[tuple[float, float, int]], start: float, seconds: float) -> PhaseResult:
    """The phase as if it had begun at `start`: the rate of answers in the `seconds` after it, and the
    latency of the checkouts sent from then on. With 128 buyers starting at once, the first answers wait
    behind every first request, and a short phase would measure that burst, not the steady state."""
    sent = [answered - begun for begun, answered, _ in timeline if begun >= start]
    answered_in = Counter(status for _, answered, status in timeline if start <= answered <= start + seconds)
    return phase_of(sent, seconds, answered_in)


async def _raw_limit(url: str, *, concurrency: int, seconds: float) -> tuple[float, float]:
    """Checkout-shaped transactions (reserve, then commit + order) straight through asyncpg: (tx/s, p95 ms)."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    counter = itertools.count()
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                n = next(counter)
                skus = [SKU_IDS[(n * 2) % SKUS], SKU_IDS[(n * 2 + 1) % SKUS]]
                holder = f"rawchk{uuid.uuid4().hex[:20]}"
                started = time.perf_counter()
                async with conn.transaction():
                    for sql in RESERVE:
                        statement, args = bind(sql, skus, holder)
                        await conn.execute(statement, *args)
                async with conn.transaction():
                    for sql in CONFIRM:
                        statement, args = bind(sql, skus, holder)
                        await conn.execute(statement, *args)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0.0
    return len(latencies) / elapsed, p95


def _round_trips(url: str, carts: list[tuple[str, str]], sandbox: Sandbox) -> tuple[int, int, int]:
    """SQL statements, committed transactions and autocommit statements of one checkout, counted in-process
    on the real app. Round trips to PostgreSQL: statements + 2 per transaction (BEGIN, COMMIT)."""
    from sqlalchemy import event

    from mercato.app import create_app
    from mercato.config import Settings

    settings = Settings(
        env="development",
        jwt_secret=SECRET,
        data_dir=ROOT / "var" / "bench-data",
        psp_providers=f"sandbox=http://127.0.0.1:{sandbox.port}",
        checkout_rate_limit=0,
    )
    app = create_app(settings, url)
    engine = app.state.container.engine.sync_engine
    counts = {"statements": 0, "transactions": 0, "autocommit": 0}

    def count_statement(conn: Any, *_: Any) -> None:
        counts["statements"] += 1
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            counts["autocommit"] += 1

    event.listen(engine, "before_cursor_execute", count_statement)
    event.listen(engine, "commit", lambda *a, **k: counts.__setitem__("transactions", counts["transactions"] + 1))

    async def one() -> None:
        token, cart_id = carts[0]
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            body = {"cart_id": cart_id, "shipping_address": ADDRESS, "payment_method_token": "pm_card_visa"}
            response = await client.post(
                "/v1/checkout", json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "count"}
            )
            assert response.status_code == 201, response.text

    asyncio.run(one())
    return counts["statements"], counts["transactions"], counts["autocommit"]


def run(options: RunOptions) -> Section:
    """Measure (a), (b) and the raw limit; return the docs/benchmarks.md section."""
    plan = plan_for(options)
    load_before = os.getloadavg()[0]
    with BenchPostgres() as pg:
        url = pg.database("bench_checkout", fresh=True)
        carts = prepare_carts(url, plan.carts)
        # The limit first, on the fresh database (the later phases leave it larger, which slows it down).
        raw = [
            asyncio.run(_raw_limit(url, concurrency=plan.concurrency_fast, seconds=plan.seconds))
            for _ in range(plan.rounds)
        ]
        raw_rate = sorted(r[0] for r in raw)[len(raw) // 2]
        raw_p95 = sorted(r[1] for r in raw)[len(raw) // 2]
        pool = iter(carts[1:])
        # (a) with 1 and 2 processes, each with its sweep, then the profile round and (b)
        chunk = plan.carts // (2 * (plan.rounds + len(SWEEP)) + 4)  # (a) and sweeps ×2, the profile, (b) ×3
        results: dict[str, Summary] = {}
        sweep: dict[tuple[int, int], Summary] = {}
        cpu_rounds: list[dict[str, float]] = []
        with Sandbox("0") as fast:
            statements, transactions, autocommit = _round_trips(url, carts, fast)
            postgres = postmaster_pid(ROOT / "var" / "bench-pg")
            for workers in (1, 2):
                _vacuum(url)
                with ApiServer(url, env=_server_env(fast), workers=workers) as server:
                    processes = {
                        "API": server.pid,
                        "PostgreSQL": postgres,
                        "PSP sandbox": fast.process.pid if fast.process else None,
                    }
                    rounds = []
                    for _ in range(plan.rounds):
                        take = [next(pool) for _ in range(chunk)]
                        with ProcessTreesMeter(processes, client=LOAD_GENERATOR) as meter:
                            summary = _checkouts(
                                server.base_url, take, concurrency=plan.concurrency_fast, seconds=plan.seconds
                            )
                        rounds.append(summary)
                        if workers == 1:
                            cpu_rounds.append(_per_checkout(meter, summary))
                    label = "(a) PSP at 0 ms" + ("" if workers == 1 else f", {workers} API processes")
                    results[label] = _median(rounds)
                    for concurrency in SWEEP:
                        take = [next(pool) for _ in range(chunk)]
                        sweep[(workers, concurrency)] = _checkouts(
                            server.base_url, take, concurrency=concurrency, seconds=plan.seconds
                        )
                    if workers == 1:
                        take = [next(pool) for _ in range(chunk)]
                        with Sampler(server.pid, "checkout-a") as sampler:
                            _checkouts(server.base_url, take, concurrency=plan.concurrency_fast, seconds=plan.seconds)
            floors = {
                shape: _floor(url, fast, carts, plan, postgres, guarded=guarded, workers=workers)
                for shape, guarded, workers in FLOORS
            }
            for shape, (summary, _) in floors.items():
                results[f"(floor) {shape}"] = summary
        _vacuum(url)
        with Sandbox("300-800") as slow, ApiServer(url, env=_server_env(slow)) as server:
            take = [next(pool) for _ in range(3 * chunk)]  # a warm-up and twice a round's length
            results["(b) PSP at 300–800 ms"] = _checkouts(
                server.base_url, take, concurrency=plan.concurrency_slow, seconds=2 * plan.seconds, warmup=plan.seconds
            )
        description = pg.description
    rows = [
        [name, f"{s.per_second:.0f}", f"{s.p50_ms:.1f}", f"{s.p95_ms:.1f}", f"{s.p99_ms:.1f}", s.requests, s.errors]
        for name, s in results.items()
    ]
    rows.append(["raw SQL limit (asyncpg, same writes)", f"{raw_rate:.0f}", "", f"{raw_p95:.1f}", "", "", ""])
    fast_rate = max(s.per_second for name, s in results.items() if name.startswith("(a)"))
    guarded = {shape: floor for shape, floor in floors.items() if shape.startswith("guarded")}
    floor_rate = max(summary.per_second for summary, _ in guarded.values())
    bare_cpu, guarded_cpu = floors[FLOORS[0][0]][1], floors[FLOORS[1][0]][1]
    target_rate = raw_rate / 3
    markdown = "\n".join(
        [
            "## Checkout (`POST /v1/checkout`, issue 6)",
            "",
            f"Command: `{options.command}`. {description}. {machine(load_before)}",
            f"Load generator: {load_generator()}, on the same cores as everything it measures."
            f" (a) {plan.concurrency_fast} concurrent buyers, PSP sandbox at 0 ms; (b) {plan.concurrency_slow}"
            " concurrent buyers, sandbox at 300–800 ms; one API process unless the row says two; each checkout is a"
            f" fresh cart of 2 SKUs out of {SKUS}. Medians over {plan.rounds} rounds of {plan.seconds:.0f} s for (a)"
            f" and the raw limit; (b) is one phase of {2 * plan.seconds:.0f} s after a {plan.seconds:.0f} s warm-up"
            " (all buyers start at once, and the first answers wait behind every first request: a short phase"
            " measured that burst, 10/s where the steady state is about 28/s).",
            "",
            table(["scenario", "checkouts/s", "p50 ms", "p95 ms", "p99 ms", "requests", "errors"], rows),
            "",
            f"Ratio best (a) / raw SQL limit: **{fast_rate / raw_rate:.2f}** (target ≥ 0.33).",
            f"Ratio of the guarded floor / raw SQL limit: **{floor_rate / raw_rate:.2f}**; best (a) / the guarded"
            f" floor: {fast_rate / floor_rate:.2f}. The floor (bench/checkout_floor.py) is the least a checkout on"
            " this stack must do: the HTTP request through uvicorn and FastAPI, Mercato's `CheckoutRequest` body,"
            " the JWT, the cart's lines, two transactions through asyncpg around one PaymentIntent at the sandbox"
            " by plain httpx, and a JSON answer; no domain code, saga runner, query builder or order read."
            " *Bare* runs the raw limit's transactions; *guarded* adds the writes the issue's guarantees need (the"
            " Idempotency-Key's claim and answer, the saga session, the payment and its attempt before the PSP"
            " call). It shares the cores with the sandbox and the load generator as (a) does.",
            "",
            _cores_line("the bare floor", bare_cpu, target_rate),
            _cores_line("the guarded floor", guarded_cpu, target_rate),
            _cores_line("(a)", _median_cpu(cpu_rounds), target_rate),
            f"One checkout makes **{statements + 2 * transactions} round trips to PostgreSQL**: {statements} SQL"
            f" statements (SAVEPOINTs included), {autocommit} of them alone in autocommit and the rest in"
            f" {transactions} transactions, plus their BEGIN and COMMIT (counted on the real app in-process). In"
            " autocommit: the idempotency key's claim and stored answer, the new saga session, and the answer's"
            " reads. Transactions: `prepare` (cart and SKU reads, the reservation, the coupon, the payment and its"
            " first attempt, the session), the PSP answer (payment and attempt), `create_order` (reservations, the"
            " order in one statement, payment, cart, session, outbox). The load generator shares the 2 cores.",
            "",
            *_sweep_lines(sweep),
            "",
            "",
            *profile_markdown(sampler.profile, "an extra round of (a)"),
        ]
    )
    return Section(NAME, markdown)


def _floor(
    url: str,
    sandbox: Sandbox,
    carts: list[tuple[str, str]],
    plan: Plan,
    postgres: int | None,
    *,
    guarded: bool,
    workers: int,
) -> tuple[Summary, dict[str, float]]:
    """The stack's floor (bench/checkout_floor.py) under the load of (a): its summary and the median CPU per
    checkout of each part. It only reads the carts, so it may take the same ones again."""
    rounds, cpu = [], []
    psp_url = f"http://127.0.0.1:{sandbox.port}"
    _vacuum(url)
    with FloorServer(url, psp_url=psp_url, secret=SECRET, guarded=guarded, workers=workers) as server:
        for _ in range(plan.rounds):
            take = list(itertools.islice(itertools.cycle(carts), FLOOR_REQUESTS))
            with ProcessTreesMeter(_parts(server.pid, postgres, sandbox), client=LOAD_GENERATOR) as meter:
                summary = _checkouts(server.base_url, take, concurrency=plan.concurrency_fast, seconds=plan.seconds)
            rounds.append(summary)
            cpu.append(_per_checkout(meter, summary))
    return _median(rounds), _median_cpu(cpu)


def _parts(api: int, postgres: int | None, sandbox: Sandbox) -> dict[str, int | None]:
    """The processes whose CPU a checkout costs (the load generator is counted apart, as the meter's client)."""
    return {"API": api, "PostgreSQL": postgres, "PSP sandbox": sandbox.process.pid if sandbox.process else None}


def _per_checkout(meter: ProcessTreesMeter, summary: Summary) -> dict[str, float]:
    return {name: 1000 * used / max(summary.requests, 1) for name, used in meter.used.items()}


def _median_cpu(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {name: sorted(r.get(name, 0.0) for r in rounds)[len(rounds) // 2] for name in rounds[0]} if rounds else {}


def _sweep_lines(sweep: dict[tuple[int, int], Summary]) -> list[str]:
    """Rate and latency as the number of concurrent buyers grows (PSP at 0 ms), and the best rate whose p95
    stays under the issue's 200 ms."""
    rows = [
        [str(workers), str(concurrency), f"{s.per_second:.0f}", f"{s.p50_ms:.1f}", f"{s.p95_ms:.1f}", f"{s.p99_ms:.1f}"]
        for (workers, concurrency), s in sorted(sweep.items())
    ]
    within = [s.per_second for s in sweep.values() if s.p95_ms < 200 and s.errors == 0]
    best = f"**{max(within):.0f} checkouts/s**" if within else "none of these rates"
    return [
        f"Sweep, PSP at 0 ms, one round of each; the highest rate with p95 < 200 ms: {best}.",
        "",
        table(["API processes", "concurrent buyers", "checkouts/s", "p50 ms", "p95 ms", "p99 ms"], rows),
    ]


def _cores_line(name: str, cpu: dict[str, float], target_rate: float) -> str:
    """CPU milliseconds per checkout by process (medians over the rounds), and the cores that the issue's
    rate (a third of the raw limit) would keep busy at that cost: the figure that other work on the machine
    barely moves, unlike checkouts/s."""
    if not cpu:
        return ""
    parts = ", ".join(f"{part} {ms:.1f} ms" for part, ms in cpu.items())
    total = sum(cpu.values())
    cores = target_rate * total / 1000
    return (
        f"- CPU per checkout, {name}: {parts}; **{total:.1f} ms** in all, so {target_rate:.0f} checkouts/s (a third"
        f" of the raw limit) would keep **{cores:.1f} cores** busy."
    )


def _median(summaries: list[Summary]) -> Summary:
    ordered = sorted(summaries, key=lambda s: s.per_second)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    from bench.report import write_sections

    write_sections(
        [run(RunOptions(quick="--quick" in sys.argv, products=None, command="python -m bench.checkout"))], [NAME]
    )
