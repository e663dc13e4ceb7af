"""Driving checkouts at the API: wrk when it is installed (bench/checkout_wrk.py), else httpx in the
benchmark process; each prepared cart is checked out once."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter

import httpx

from bench.checkout_setup import ADDRESS
from bench.checkout_wrk import checkout_lines, drive_checkouts
from bench.load import PhaseResult, Recorder, Summary, phase_of, run_phase, summarize
from bench.wrk import wrk_path


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


def checkouts(
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
    """Which load generator `checkouts` uses, for the report."""
    return "wrk (C, one thread)" if wrk_path() else "httpx in the benchmark process"


def _after_warmup(timeline: list[tuple[float, float, int]], start: float, seconds: float) -> PhaseResult:
    """The phase as if it had begun at `start`: the rate of answers in the `seconds` after it, and the
    latency of the checkouts sent from then on. With 128 buyers starting at once, the first answers wait
    behind every first request, and a short phase would measure that burst, not the steady state."""
    sent = [answered - begun for begun, answered, _ in timeline if begun >= start]
    answered_in = Counter(status for _, answered, status in timeline if start <= answered <= start + seconds)
    return phase_of(sent, seconds, answered_in)
