"""The admin manual-review queue and payment view over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.clock import SystemClock
from mercato.kernel.errors import PaymentUnavailable
from mercato.payments import ProviderRegistry, ReconcilePolicy, authorize_payment, reconcile_payments
from tests.factories import admin, customer
from tests.psp_fixtures import new_payment


async def _unresolvable(engine: AsyncEngine, registry: ProviderRegistry, count: int) -> list[str]:
    """Payments whose authorization stays unknown (the PSP answers 500 every time) until they reach review."""
    ids = []
    for _ in range(count):
        payment_id = await new_payment(engine)
        with pytest.raises(PaymentUnavailable):
            await authorize_payment(
                engine, registry, payment_id=payment_id, payment_method_token="pm_sandbox_500", idempotency_key_base="r"
            )
        ids.append(payment_id)
    await reconcile_payments(engine, registry, clock=SystemClock(), policy=ReconcilePolicy(max_tries=1))
    return ids


async def test_admins_page_through_the_review_queue_and_resolve_items(
    engine: AsyncEngine, registry: ProviderRegistry, psp_api: httpx.Client, database_url: str
) -> None:
    payment_ids = await _unresolvable(engine, registry, 3)
    boss = await asyncio.to_thread(admin, psp_api, database_url)  # the factory runs its own event loop
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = psp_api.get("/v1/admin/payments/reviews", params=params, headers=boss.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["object"] == "list"
        seen += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(r["payment_id"] for r in seen) == sorted(payment_ids)
    item = seen[0]
    assert item["object"] == "payment_review" and item["reason"] == "unresolved_attempt" and item["status"] == "open"
    resolved = psp_api.post(
        f"/v1/admin/payments/reviews/{item['id']}/resolve",
        json={"resolution": "no_action_needed", "note": "checked the PSP dashboard"},
        headers=boss.headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_by"] == boss.user_id
    again = psp_api.post(
        f"/v1/admin/payments/reviews/{item['id']}/resolve",
        json={"resolution": "no_action_needed"},
        headers=boss.headers,
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid-transition"
    closed = psp_api.get("/v1/admin/payments/reviews", params={"status": "resolved"}, headers=boss.headers).json()
    assert [r["id"] for r in closed["items"]] == [item["id"]]
    still_open = psp_api.get("/v1/admin/payments/reviews", headers=boss.headers).json()["items"]
    assert len(still_open) == 2


async def test_admin_payment_view_lists_every_attempt(
    engine: AsyncEngine, registry: ProviderRegistry, psp_api: httpx.Client, database_url: str
) -> None:
    payment_id = await new_payment(engine, amount=700)
    await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="v"
    )
    boss = await asyncio.to_thread(admin, psp_api, database_url)
    body = psp_api.get(f"/v1/admin/payments/{payment_id}", headers=boss.headers).json()
    assert body["object"] == "payment" and body["status"] == "authorized" and body["amount_authorized"] == 700
    assert [(a["operation"], a["status"]) for a in body["attempts"]] == [("authorize", "succeeded")]
    assert psp_api.get("/v1/admin/payments/pay_nope", headers=boss.headers).status_code == 404


def test_the_queue_is_for_admins_only_and_validates_input(
    psp_api: httpx.Client, database_url: str, db: psycopg.Connection[Any]
) -> None:
    shopper = customer(psp_api)
    assert psp_api.get("/v1/admin/payments/reviews").status_code == 401
    assert psp_api.get("/v1/admin/payments/reviews", headers=shopper.headers).status_code == 403
    boss = admin(psp_api, database_url)
    assert psp_api.get("/v1/admin/payments/reviews", params={"limit": 101}, headers=boss.headers).status_code == 422
    assert (
        psp_api.get("/v1/admin/payments/reviews", params={"cursor": "bogus"}, headers=boss.headers).status_code == 422
    )
    bad = psp_api.post(
        "/v1/admin/payments/reviews/prv_00000000000000000000000000/resolve",
        json={"resolution": "shrug"},
        headers=boss.headers,
    )
    assert bad.status_code == 422
    missing = psp_api.post(
        "/v1/admin/payments/reviews/prv_00000000000000000000000000/resolve",
        json={"resolution": "no_action_needed"},
        headers=boss.headers,
    )
    assert missing.status_code == 404
    assert db.execute("SELECT count(*) FROM payment_reviews").fetchone() == (0,)


def test_payment_metrics_are_exported(psp_api: httpx.Client) -> None:
    text = psp_api.get("/metrics").text
    for name in ("mercato_psp_calls_total", "mercato_psp_latency_seconds", "mercato_payment_attempts_unknown"):
        assert f"# TYPE {name}" in text
