"""Idempotency-Key semantics on real PostgreSQL: one execution per key, replays, reuse and in-progress."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.http.idempotency import IdempotencyPolicy, run_idempotently
from mercato.kernel.clock import SystemClock
from mercato.kernel.errors import IdempotencyKeyReused, OutOfStock, PaymentUnavailable, RequestInProgress


class CountingHandler:
    """The use case under an idempotency key: counts how often it really runs."""

    def __init__(self, *, delay: float = 0.0, error: Exception | None = None) -> None:
        self.calls = 0
        self.delay = delay
        self.error = error

    async def __call__(self) -> tuple[int, Any]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.error:
            raise self.error
        return 201, {"id": "ord_1", "calls": self.calls}


async def _run(
    engine: AsyncEngine, handler: CountingHandler, *, key: str = "k1", body: bytes = b'{"a":1}', **kw: Any
) -> Response:
    return await run_idempotently(
        engine=engine,
        clock=SystemClock(),
        scope="usr_a",
        key=key,
        method="POST",
        path="/v1/checkout",
        body=body,
        handler=handler,
        **kw,
    )


async def test_same_key_same_body_replays_first_answer(engine: AsyncEngine) -> None:
    handler = CountingHandler()
    first = await _run(engine, handler)
    second = await _run(engine, handler, body=b'{ "a": 1 }')
    assert handler.calls == 1
    assert first.status_code == second.status_code == 201
    assert orjson.loads(second.body) == orjson.loads(first.body)
    assert second.headers["idempotent-replayed"] == "true"


async def test_same_key_other_body_is_reused_error(engine: AsyncEngine) -> None:
    handler = CountingHandler()
    await _run(engine, handler)
    with pytest.raises(IdempotencyKeyReused):
        await _run(engine, handler, body=b'{"a":2}')
    assert handler.calls == 1


async def test_twenty_concurrent_requests_with_one_key_run_once(engine: AsyncEngine) -> None:
    handler = CountingHandler(delay=0.2)
    responses = await asyncio.gather(*(_run(engine, handler) for _ in range(20)))
    assert handler.calls == 1
    assert {r.status_code for r in responses} == {201}
    assert sum(1 for r in responses if r.headers.get("idempotent-replayed") == "true") == 19


async def test_second_request_gets_in_progress_when_first_outlasts_the_wait(engine: AsyncEngine) -> None:
    slow = CountingHandler(delay=1.0)
    first = asyncio.create_task(_run(engine, slow))
    await asyncio.sleep(0.2)
    with pytest.raises(RequestInProgress):
        await _run(engine, slow, policy=IdempotencyPolicy(wait_seconds=0.2))
    assert (await first).status_code == 201
    assert slow.calls == 1


async def test_domain_error_is_stored_and_replayed(engine: AsyncEngine) -> None:
    failing = CountingHandler(error=OutOfStock("sold out", skus=["sku_x"]))
    first = await _run(engine, failing)
    again = await _run(engine, failing)
    assert failing.calls == 1
    assert first.status_code == again.status_code == 409
    assert orjson.loads(again.body)["code"] == "out-of-stock"
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_unexpected_crash_releases_the_key_for_a_retry(engine: AsyncEngine) -> None:
    crashing = CountingHandler(error=RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        await _run(engine, crashing)
    recovered = CountingHandler()
    assert (await _run(engine, recovered)).status_code == 201
    assert recovered.calls == 1


async def test_keys_are_scoped_to_the_caller(engine: AsyncEngine) -> None:
    handler = CountingHandler()
    await _run(engine, handler)
    await run_idempotently(
        engine=engine,
        clock=SystemClock(),
        scope="usr_b",
        key="k1",
        method="POST",
        path="/v1/checkout",
        body=b'{"a":1}',
        handler=handler,
    )
    assert handler.calls == 2


async def test_retryable_error_is_not_stored_so_a_retry_runs_again(engine: AsyncEngine) -> None:
    unavailable = CountingHandler(error=PaymentUnavailable("all PSPs down", retry_after=2))
    with pytest.raises(PaymentUnavailable):
        await _run(engine, unavailable)
    recovered = CountingHandler()
    assert (await _run(engine, recovered)).status_code == 201
    assert recovered.calls == 1
