"""The benchmark harness's load driver works end to end against a real server (no timing is asserted)."""

from __future__ import annotations

import random

import httpx

from bench.catalog_read import Catalog, scenarios
from bench.load import Recorder, run_phase
from tests.conftest import ServedApp


async def test_a_load_phase_counts_requests_and_orders_its_percentiles(served_app: ServedApp) -> None:
    async def healthz(client: httpx.AsyncClient, _rng: random.Random, rec: Recorder) -> None:
        await rec.get(client, "/healthz")

    result = await run_phase(served_app.base_url, healthz, concurrency=4, seconds=5.0, max_requests=40)

    assert 40 <= result.requests < 40 + 4
    assert result.statuses == {200: result.requests}
    assert result.errors == 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
    assert result.per_second > 0


async def test_catalog_scenarios_record_failures_instead_of_raising(served_app: ServedApp) -> None:
    unknown = Catalog(products=1, skus=1, product_ids=["prod_00000000000000000000000000"], list_queries=["limit=24"])

    for _label, scenario in scenarios(unknown)[1:2]:  # product detail of an id that does not exist
        result = await run_phase(served_app.base_url, scenario, concurrency=2, seconds=5.0, max_requests=6)
        assert result.errors == result.requests >= 6
        assert set(result.statuses) == {404}
