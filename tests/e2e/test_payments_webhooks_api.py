"""PSP webhooks over real HTTP: signed by the sandbox, verified by the SDK's check, applied exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.payments import ProviderRegistry, authorize_payment, capture_payment
from tests.conftest import ServedApp
from tests.psp_fixtures import SandboxProcess, attempt_rows, make_registry, new_payment, payment_row


def _point_webhooks(sandbox: SandboxProcess, app: ServedApp, timing: str) -> None:
    sandbox.configure(webhook_url=f"{app.base_url}/v1/webhooks/psp/{sandbox.name}", webhook_timing=timing)


def _events(db: psycopg.Connection[Any], reference: str) -> list[tuple[str, str]]:
    rows = db.execute(
        "SELECT event_type, outcome FROM psp_webhook_events WHERE psp_reference = %s ORDER BY received_at", (reference,)
    )
    return [(r[0], r[1]) for r in rows.fetchall()]


async def _wait_delivered(sandbox: SandboxProcess, reference: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        events = [
            e for e in sandbox.get("/v1/events", limit=100)["data"]
            if e["data"]["object"].get("id") == reference or e["data"]["object"].get("payment_intent") == reference
        ]  # fmt: skip
        deliveries = {d["event_id"]: d for d in sandbox.get("/_sandbox/deliveries")["data"]}
        done = [e for e in events if deliveries.get(e["id"], {}).get("delivered_at")]
        if len(done) >= count:
            return done
        assert time.monotonic() < deadline, "webhooks were not delivered"
        await asyncio.sleep(0.05)


@pytest.fixture
async def patient_registry(primary: SandboxProcess, secondary: SandboxProcess) -> AsyncIterator[ProviderRegistry]:
    """A registry that waits for answers as long as production does: with webhooks sent before the
    response, the sandbox answers only once the API has handled them, which on a loaded machine (a cold
    server's first webhook) took longer than the suite's usual 0.6 s and turned the race into a timeout."""
    registry = make_registry(primary, secondary, timeout_seconds=10.0)
    yield registry
    await registry.close()


async def test_webhooks_arriving_before_the_response_settle_once_and_never_capture_twice(
    engine: AsyncEngine,
    patient_registry: ProviderRegistry,
    primary: SandboxProcess,
    psp_served_app: ServedApp,
    psp_api: httpx.Client,
    db: psycopg.Connection[Any],
) -> None:
    registry = patient_registry
    _point_webhooks(primary, psp_served_app, "before_response")
    payment_id = await new_payment(engine, amount=9000)
    result = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="wh"
    )
    [attempt] = attempt_rows(db, payment_id)
    assert attempt["resolved_by"] == "webhook"  # the webhook won the race; the response changed nothing
    assert payment_row(db, payment_id)["status"] == "authorized"
    view = await capture_payment(
        engine, registry, payment_id=payment_id, amount=4000, final=False, idempotency_key="ship-1"
    )
    assert view.amount_captured == 4000
    view = await capture_payment(
        engine, registry, payment_id=payment_id, amount=5000, final=True, idempotency_key="ship-2"
    )
    assert (view.status, view.amount_captured) == ("captured", 9000)
    [intent] = primary.intents_for(payment_id)
    assert intent["amount_received"] == 9000
    assert _events(db, result.psp_reference) == [
        ("payment_intent.amount_capturable_updated", "applied"),
        ("payment_intent.amount_capturable_updated", "applied"),
        ("payment_intent.succeeded", "applied"),
    ]


async def test_webhooks_after_the_response_and_twice_change_nothing(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    primary: SandboxProcess,
    psp_served_app: ServedApp,
    psp_api: httpx.Client,
    db: psycopg.Connection[Any],
) -> None:
    _point_webhooks(primary, psp_served_app, "async")
    payment_id = await new_payment(engine, amount=6000)
    result = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="wh2"
    )
    await capture_payment(engine, registry, payment_id=payment_id, amount=2500, final=False, idempotency_key="ship-1")
    events = await _wait_delivered(primary, result.psp_reference, 2)
    before = (payment_row(db, payment_id), attempt_rows(db, payment_id))
    for event in events * 2:  # every event delivered twice more
        response = httpx.post(f"{primary.url}/_sandbox/events/{event['id']}/deliver")
        assert response.json() == {"delivered": True}
    after = (payment_row(db, payment_id), attempt_rows(db, payment_id))
    assert after == before
    assert payment_row(db, payment_id)["amount_captured"] == 2500
    [intent] = primary.intents_for(payment_id)
    assert intent["amount_received"] == 2500
    assert {outcome for _, outcome in _events(db, result.psp_reference)} == {"applied"}


def test_a_webhook_with_a_bad_signature_is_refused_and_applies_nothing(
    psp_api: httpx.Client, db: psycopg.Connection[Any]
) -> None:
    body = b'{"id": "evt_forged", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {}}}'
    for headers in ({"Stripe-Signature": "t=1,v1=deadbeef"}, {}):
        response = psp_api.post("/v1/webhooks/psp/primary", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid-signature"
    assert psp_api.post("/v1/webhooks/psp/nobody", content=body).status_code == 404
    assert db.execute("SELECT count(*) FROM psp_webhook_events").fetchone() == (0,)
