"""Reconciliation: unknown outcomes resolved (across a PSP restart), orphans and strays voided, expiry, reviews."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.clock import FrozenClock, SystemClock
from mercato.kernel.errors import PaymentUnavailable
from mercato.payments import ProviderRegistry, ReconcilePolicy, attach_order, authorize_payment, reconcile_payments
from tests.psp_fixtures import SandboxProcess, attempt_rows, make_registry, new_payment, payment_row

PATIENT = ReconcilePolicy(orphan_grace_seconds=30 * 86400, max_tries=2, base_backoff_seconds=0)


async def _timed_out(engine: AsyncEngine, registry: ProviderRegistry, amount: int = 3100) -> str:
    payment_id = await new_payment(engine, amount=amount)
    with pytest.raises(PaymentUnavailable):
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_sandbox_timeout", idempotency_key_base="t"
        )
    return payment_id


def _reviews(db: psycopg.Connection[Any], payment_id: str) -> list[tuple[str, str]]:
    rows = db.execute(
        "SELECT reason, status FROM payment_reviews WHERE payment_id = %s ORDER BY created_at", (payment_id,)
    )
    return [(r[0], r[1]) for r in rows.fetchall()]


async def test_a_timeout_becomes_unknown_and_reconciliation_resolves_it(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    payment_id = await _timed_out(engine, registry)
    assert [a["status"] for a in attempt_rows(db, payment_id)] == ["unknown"]
    report = await reconcile_payments(engine, registry, clock=SystemClock(), policy=PATIENT)
    assert report.resolved >= 1
    [attempt] = attempt_rows(db, payment_id)
    assert (attempt["status"], attempt["resolved_by"]) == ("succeeded", "reconciliation")
    row = payment_row(db, payment_id)
    [intent] = primary.intents_for(payment_id)
    assert (row["status"], row["psp_reference"]) == ("authorized", intent["id"])
    assert registry.metrics.unknown_attempts._value.get() == 0
    assert registry.metrics.unknown_resolved.labels("primary", "succeeded")._value.get() >= 1


async def test_unknown_outcome_is_reconciled_across_a_sandbox_restart(
    engine: AsyncEngine, own_sandbox: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    registry = make_registry(own_sandbox)
    try:
        payment_id = await _timed_out(engine, registry)
        own_sandbox.kill()  # the PSP crashes while still holding the request
        clock = FrozenClock(datetime.now(UTC))
        down = await reconcile_payments(engine, registry, clock=clock, policy=PATIENT)
        assert down.still_unknown == 1 and [a["status"] for a in attempt_rows(db, payment_id)] == ["unknown"]
        own_sandbox.start()  # same port, same state directory
        clock.advance(timedelta(hours=1))
        await asyncio.sleep(0.6)  # let the breaker's reset time pass
        report = await reconcile_payments(engine, registry, clock=clock, policy=PATIENT)
        assert report.resolved == 1
        [intent] = own_sandbox.intents_for(payment_id)
        assert payment_row(db, payment_id)["psp_reference"] == intent["id"]
        assert payment_row(db, payment_id)["status"] == "authorized"
    finally:
        await registry.close()


async def test_what_stays_unknown_goes_to_the_review_queue_and_leaves_it_once_resolved(
    engine: AsyncEngine, own_sandbox: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    registry = make_registry(own_sandbox, breaker_reset_seconds=0.05)
    try:
        payment_id = await _timed_out(engine, registry)
        own_sandbox.kill()
        clock = FrozenClock(datetime.now(UTC))
        for _ in range(PATIENT.max_tries):
            clock.advance(timedelta(hours=1))
            await reconcile_payments(engine, registry, clock=clock, policy=PATIENT)
        assert _reviews(db, payment_id) == [("unresolved_attempt", "open")]
        clock.advance(timedelta(hours=1))
        await reconcile_payments(engine, registry, clock=clock, policy=PATIENT)
        assert _reviews(db, payment_id) == [("unresolved_attempt", "open")]  # one review per problem
        own_sandbox.start()
        clock.advance(timedelta(hours=1))
        await asyncio.sleep(0.1)
        await reconcile_payments(engine, registry, clock=clock, policy=PATIENT)
        assert _reviews(db, payment_id) == [("unresolved_attempt", "resolved")]
        assert payment_row(db, payment_id)["status"] == "authorized"
    finally:
        await registry.close()


async def test_an_authorization_no_order_needs_is_voided_after_the_grace_period(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    abandoned = await new_payment(engine)
    kept = await new_payment(engine)
    for payment_id in (abandoned, kept):
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="o"
        )
    async with unit_of_work(engine) as tx:
        await attach_order(tx, payment_id=kept, order_id="ord_00000000000000000000000000")
    report = await reconcile_payments(
        engine, registry, clock=SystemClock(), policy=ReconcilePolicy(orphan_grace_seconds=0)
    )
    assert report.orphans_voided == 1
    assert payment_row(db, abandoned)["status"] == "voided"
    assert primary.intents_for(abandoned)[0]["status"] == "canceled"
    assert payment_row(db, kept)["status"] == "authorized"
    assert primary.intents_for(kept)[0]["status"] == "requires_capture"


async def test_a_late_authorization_for_a_closed_payment_is_voided_at_the_psp(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    payment_id = await _timed_out(engine, registry)
    # The checkout was given up while the outcome was unknown (an operator closed the payment).
    db.execute("UPDATE payments SET status = 'voided' WHERE id = %s", (payment_id,))
    report = await reconcile_payments(engine, registry, clock=SystemClock(), policy=PATIENT)
    assert report.resolved == 1 and report.strays_voided == 1
    [intent] = primary.intents_for(payment_id)
    assert intent["status"] == "canceled"
    assert [(a["operation"], a["status"]) for a in attempt_rows(db, payment_id)] == [
        ("authorize", "succeeded"),
        ("void", "succeeded"),
    ]
    again = await reconcile_payments(engine, registry, clock=SystemClock(), policy=PATIENT)
    assert again.strays_voided == 0


async def test_an_expired_authorization_is_detected_and_an_orders_goes_to_review(
    engine: AsyncEngine, tmp_path: Any, db: psycopg.Connection[Any]
) -> None:
    sandbox = SandboxProcess("primary", tmp_path / "short-auth", auth_ttl_seconds=1)
    sandbox.start()
    registry = make_registry(sandbox)
    try:
        payment_id = await new_payment(engine)
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="e"
        )
        async with unit_of_work(engine) as tx:
            await attach_order(tx, payment_id=payment_id, order_id="ord_00000000000000000000000001")
        clock = FrozenClock(datetime.now(UTC) + timedelta(seconds=2))
        deadline = asyncio.get_running_loop().time() + 15
        while sandbox.intents_for(payment_id)[0]["status"] != "canceled":
            assert asyncio.get_running_loop().time() < deadline, "the sandbox never expired the authorization"
            await asyncio.sleep(0.1)  # the sandbox's own clock must pass capture_before too
        report = await reconcile_payments(engine, registry, clock=clock, policy=PATIENT)
        assert report.expired == 1
        assert payment_row(db, payment_id)["status"] == "expired"
        assert _reviews(db, payment_id) == [("authorization_expired", "open")]
    finally:
        await registry.close()
        sandbox.stop()
