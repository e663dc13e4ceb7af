"""Captures (partial, multiple, final), voids and refunds (full, partial, over-refund) through the service."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidTransition,
    PaymentUnavailable,
    RefundExceedsCaptured,
)
from mercato.payments import ProviderRegistry, authorize_payment, capture_payment, refund_payment, void_payment
from tests.psp_fixtures import SandboxProcess, attempt_rows, new_payment, payment_row


async def _authorized(engine: AsyncEngine, registry: ProviderRegistry, amount: int = 10000) -> str:
    payment_id = await new_payment(engine, amount=amount)
    await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="cap"
    )
    return payment_id


async def test_partial_multiple_and_final_captures(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    payment_id = await _authorized(engine, registry)
    first = await capture_payment(
        engine, registry, payment_id=payment_id, amount=3000, final=False, idempotency_key="shipment-1"
    )
    assert (first.status, first.amount_captured) == ("partially_captured", 3000)
    second = await capture_payment(
        engine, registry, payment_id=payment_id, amount=2500, final=False, idempotency_key="shipment-2"
    )
    assert (second.status, second.amount_captured) == ("partially_captured", 5500)
    last = await capture_payment(
        engine, registry, payment_id=payment_id, amount=1500, final=True, idempotency_key="shipment-3"
    )
    assert (last.status, last.amount_captured) == ("captured", 7000)
    [intent] = primary.intents_for(payment_id)
    assert (intent["status"], intent["amount_received"], intent["amount_capturable"]) == ("succeeded", 7000, 0)
    with pytest.raises(InvalidTransition):
        await capture_payment(
            engine, registry, payment_id=payment_id, amount=1, final=True, idempotency_key="shipment-4"
        )
    assert [a["operation"] for a in attempt_rows(db, payment_id)] == ["authorize", "capture", "capture", "capture"]


async def test_the_same_capture_key_never_captures_twice(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    payment_id = await _authorized(engine, registry)
    for _ in range(3):
        view = await capture_payment(
            engine, registry, payment_id=payment_id, amount=4000, final=False, idempotency_key="shipment-1"
        )
        assert view.amount_captured == 4000
    [intent] = primary.intents_for(payment_id)
    assert intent["amount_received"] == 4000
    assert sum(a["operation"] == "capture" for a in attempt_rows(db, payment_id)) == 1
    with pytest.raises(IdempotencyKeyReused):
        await capture_payment(
            engine, registry, payment_id=payment_id, amount=4001, final=False, idempotency_key="shipment-1"
        )


async def test_capturing_more_than_is_left_is_refused_before_the_psp_is_asked(
    engine: AsyncEngine, registry: ProviderRegistry, db: psycopg.Connection[Any]
) -> None:
    payment_id = await _authorized(engine, registry, amount=5000)
    with pytest.raises(Conflict):
        await capture_payment(
            engine, registry, payment_id=payment_id, amount=5001, final=True, idempotency_key="too-much"
        )
    assert [a["operation"] for a in attempt_rows(db, payment_id)] == ["authorize"]


async def test_full_and_partial_refunds_and_over_refund_refused(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess
) -> None:
    payment_id = await _authorized(engine, registry, amount=8000)
    await capture_payment(engine, registry, payment_id=payment_id, amount=8000, final=True, idempotency_key="ship")
    partial = await refund_payment(engine, registry, payment_id=payment_id, amount=3000, idempotency_key="return-1")
    assert (partial.status, partial.amount_refunded) == ("partially_refunded", 3000)
    with pytest.raises(RefundExceedsCaptured) as over:
        await refund_payment(engine, registry, payment_id=payment_id, amount=5001, idempotency_key="return-2")
    assert over.value.status == 409 and over.value.code == "refund-exceeds-captured"
    rest = await refund_payment(engine, registry, payment_id=payment_id, amount=5000, idempotency_key="return-3")
    assert (rest.status, rest.amount_refunded) == ("refunded", 8000)
    with pytest.raises(RefundExceedsCaptured):
        await refund_payment(engine, registry, payment_id=payment_id, amount=1, idempotency_key="return-4")
    again = await refund_payment(engine, registry, payment_id=payment_id, amount=3000, idempotency_key="return-1")
    assert again.amount_refunded == 8000  # a replayed refund moves no money
    refunds = primary.get("/v1/events", type="charge.refunded", limit=100)["data"]
    [intent] = primary.intents_for(payment_id)
    assert sum(1 for e in refunds if e["data"]["object"]["payment_intent"] == intent["id"]) == 2


async def test_a_full_refund_of_one_capture(engine: AsyncEngine, registry: ProviderRegistry) -> None:
    payment_id = await _authorized(engine, registry, amount=2000)
    await capture_payment(engine, registry, payment_id=payment_id, amount=2000, final=True, idempotency_key="ship")
    view = await refund_payment(engine, registry, payment_id=payment_id, amount=2000, idempotency_key="full")
    assert (view.status, view.amount_refunded, view.amount_captured) == ("refunded", 2000, 2000)


async def test_refunding_an_uncaptured_payment_is_refused(engine: AsyncEngine, registry: ProviderRegistry) -> None:
    payment_id = await _authorized(engine, registry)
    with pytest.raises(InvalidTransition):
        await refund_payment(engine, registry, payment_id=payment_id, amount=100, idempotency_key="early")


async def test_void_releases_the_authorization_and_is_idempotent(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess
) -> None:
    payment_id = await _authorized(engine, registry)
    voided = await void_payment(engine, registry, payment_id=payment_id)
    assert voided.status == "voided"
    assert (await void_payment(engine, registry, payment_id=payment_id)).status == "voided"
    [intent] = primary.intents_for(payment_id)
    assert intent["status"] == "canceled"


async def test_voiding_a_payment_that_was_never_authorized_just_closes_it(
    engine: AsyncEngine, registry: ProviderRegistry, db: psycopg.Connection[Any]
) -> None:
    payment_id = await new_payment(engine)
    assert (await void_payment(engine, registry, payment_id=payment_id)).status == "voided"
    assert attempt_rows(db, payment_id) == []
    assert payment_row(db, payment_id)["status"] == "voided"


async def test_a_capture_while_the_psp_is_down_is_retryable_with_the_same_key(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess
) -> None:
    payment_id = await _authorized(engine, registry)
    primary.configure(error_rate=1.0)
    with pytest.raises(PaymentUnavailable):
        await capture_payment(engine, registry, payment_id=payment_id, amount=1000, final=True, idempotency_key="ship")
    primary.configure(error_rate=0.0)
    view = await capture_payment(
        engine, registry, payment_id=payment_id, amount=1000, final=True, idempotency_key="ship"
    )
    assert (view.status, view.amount_captured) == ("captured", 1000)
