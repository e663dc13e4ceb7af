"""Authorization through the payments service against sandbox PSPs running as separate processes."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.http.problems import domain_error_response
from mercato.kernel.errors import InvalidPaymentMethod, PaymentDeclined, PaymentUnavailable, RequestInProgress
from mercato.payments import AuthorizationResult, ProviderRegistry, authorize_payment
from mercato.payments.providers.stripe_adapter import StripeProvider
from tests.psp_fixtures import API_KEY, SandboxProcess, attempt_rows, free_port, make_registry, new_payment, payment_row


def _problem(exc: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = domain_error_response(exc)
    return response.status_code, orjson.loads(response.body), dict(response.headers)


async def test_authorizing_with_visa_holds_the_amount_and_records_the_attempt(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    payment_id = await new_payment(engine, amount=4999)
    result = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="chk-1"
    )
    assert result.provider == "primary" and result.amount_authorized == 4999 and result.expires_at is not None
    row = payment_row(db, payment_id)
    assert (row["status"], row["provider"], row["psp_reference"]) == ("authorized", "primary", result.psp_reference)
    [attempt] = attempt_rows(db, payment_id)
    assert attempt["status"] == "succeeded" and attempt["operation"] == "authorize"
    assert attempt["idempotency_key"].startswith("chk-1:") and attempt["latency_ms"] is not None
    [intent] = primary.intents_for(payment_id)
    assert intent["id"] == result.psp_reference and intent["status"] == "requires_capture"


async def test_authorizing_again_returns_the_same_authorization_without_a_second_one(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess
) -> None:
    payment_id = await new_payment(engine)
    first = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="a"
    )
    again = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_mastercard", idempotency_key_base="b"
    )
    assert again == first
    assert len(primary.intents_for(payment_id)) == 1


async def test_client_retry_after_network_error_post_processing_leaves_exactly_one_authorization(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    primary: SandboxProcess,
    secondary: SandboxProcess,
    db: psycopg.Connection[Any],
) -> None:
    payment_id = await new_payment(engine, amount=1234)
    # The PSP authorizes, then the answer never arrives (the sandbox hangs past our timeout).
    with pytest.raises(PaymentUnavailable) as unavailable:
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_sandbox_timeout", idempotency_key_base="k"
        )
    assert unavailable.value.extra["retry_after"] >= 1
    assert [a["status"] for a in attempt_rows(db, payment_id)] == ["unknown"]
    assert payment_row(db, payment_id)["status"] == "pending"
    assert secondary.intents_for(payment_id) == []  # no fallback while the outcome is unknown
    # The shopper retries: the earlier attempt is replayed under its own key and turns out authorized.
    result = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_sandbox_timeout", idempotency_key_base="k"
    )
    [intent] = primary.intents_for(payment_id)
    assert result.psp_reference == intent["id"] and intent["status"] == "requires_capture"
    assert secondary.intents_for(payment_id) == []
    [attempt] = attempt_rows(db, payment_id)
    assert (attempt["status"], attempt["resolved_by"]) == ("succeeded", "replay")


async def test_concurrent_authorizations_of_one_payment_make_one_authorization(
    engine: AsyncEngine, registry: ProviderRegistry, primary: SandboxProcess
) -> None:
    primary.configure(latency_min_ms=150, latency_max_ms=150)
    payment_id = await new_payment(engine)
    outcomes = await asyncio.gather(
        *(
            authorize_payment(
                engine,
                registry,
                payment_id=payment_id,
                payment_method_token="pm_card_visa",
                idempotency_key_base=f"c{i}",
            )
            for i in range(6)
        ),
        return_exceptions=True,
    )
    results = [o for o in outcomes if isinstance(o, AuthorizationResult)]
    assert results and all(isinstance(o, AuthorizationResult | RequestInProgress) for o in outcomes), outcomes
    assert len({r.psp_reference for r in results}) == 1
    assert len(primary.intents_for(payment_id)) == 1


@pytest.mark.parametrize(
    ("token", "decline_code"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedFraudulent", "fraudulent"),
    ],
)
async def test_a_decline_is_a_402_with_the_decline_code_and_never_falls_back(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    secondary: SandboxProcess,
    db: psycopg.Connection[Any],
    token: str,
    decline_code: str,
) -> None:
    payment_id = await new_payment(engine)
    with pytest.raises(PaymentDeclined) as declined:
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token=token, idempotency_key_base="d"
        )
    status, body, _ = _problem(declined.value)
    assert status == 402 and body["code"] == "payment-declined" and body["decline_code"] == decline_code
    assert body["retryable"] is False
    [attempt] = attempt_rows(db, payment_id)
    assert (attempt["status"], attempt["decline_code"]) == ("failed", decline_code)
    assert payment_row(db, payment_id)["status"] == "failed"
    assert secondary.intents_for(payment_id) == []


async def test_a_declined_payment_can_be_authorized_with_another_card(
    engine: AsyncEngine, registry: ProviderRegistry
) -> None:
    payment_id = await new_payment(engine)
    with pytest.raises(PaymentDeclined):
        await authorize_payment(
            engine,
            registry,
            payment_id=payment_id,
            payment_method_token="pm_card_chargeDeclined",
            idempotency_key_base="x",
        )
    result = await authorize_payment(
        engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="y"
    )
    assert result.provider == "primary"


async def test_an_unknown_token_is_an_invalid_payment_method(engine: AsyncEngine, registry: ProviderRegistry) -> None:
    payment_id = await new_payment(engine)
    with pytest.raises(InvalidPaymentMethod) as invalid:
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_not_a_real_one", idempotency_key_base="z"
        )
    assert _problem(invalid.value)[0] == 422


async def test_a_card_number_instead_of_a_token_is_refused_before_anything_is_stored(
    engine: AsyncEngine, registry: ProviderRegistry, db: psycopg.Connection[Any]
) -> None:
    payment_id = await new_payment(engine)
    for token in ("4242424242424242", "pm_4242424242424242", "4242 4242 4242 4242"):
        with pytest.raises(InvalidPaymentMethod):
            await authorize_payment(
                engine, registry, payment_id=payment_id, payment_method_token=token, idempotency_key_base="n"
            )
    assert attempt_rows(db, payment_id) == []


async def test_connection_refused_falls_back_to_the_next_provider(
    engine: AsyncEngine, secondary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    down = StripeProvider(
        "primary", api_key=API_KEY, base_url=f"http://127.0.0.1:{free_port()}", webhook_secret=None,
        timeout_seconds=0.6, connect_timeout_seconds=0.5,
    )  # fmt: skip
    registry = ProviderRegistry([down, secondary.provider()], breaker_threshold=10)
    try:
        payment_id = await new_payment(engine)
        result = await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="f"
        )
    finally:
        await registry.close()
    assert result.provider == "secondary"
    assert [(a["provider"], a["status"], a["error_code"]) for a in attempt_rows(db, payment_id)] == [
        ("primary", "failed", "connection_failed"),
        ("secondary", "succeeded", None),
    ]
    assert len(secondary.intents_for(payment_id)) == 1


async def test_breaker_opens_under_failures_fallback_is_used_and_it_closes_after_recovery(
    engine: AsyncEngine, primary: SandboxProcess, secondary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    registry = make_registry(primary, secondary, breaker_threshold=3, breaker_reset_seconds=0.5, max_retries=1)
    state = registry.metrics.breaker_state
    primary.configure(error_rate=1.0)  # every request: 503, nothing processed
    try:
        for _ in range(2):  # two tries each (one retry): four failures trip the breaker (threshold 3)
            payment_id = await new_payment(engine)
            result = await authorize_payment(
                engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="b"
            )
            assert result.provider == "secondary"
        assert registry.breakers.is_open("primary")
        assert state.labels("primary")._value.get() == 2
        # While open, the primary is not even asked: the only attempt is at the secondary.
        skipped = await new_payment(engine)
        assert (await authorize_payment(
            engine, registry, payment_id=skipped, payment_method_token="pm_card_visa", idempotency_key_base="b"
        )).provider == "secondary"  # fmt: skip
        assert [a["provider"] for a in attempt_rows(db, skipped)] == ["secondary"]
        # The primary recovers; after the reset time one call is let through, succeeds, and closes the breaker.
        primary.configure(error_rate=0.0)
        while registry.breakers.is_open("primary"):
            await asyncio.sleep(0.05)
        recovered = await new_payment(engine)
        result = await authorize_payment(
            engine, registry, payment_id=recovered, payment_method_token="pm_card_visa", idempotency_key_base="b"
        )
        assert result.provider == "primary"
        assert state.labels("primary")._value.get() == 0
        calls = registry.metrics.calls
        assert calls.labels("primary", "authorize", "unavailable")._value.get() >= 1
        assert calls.labels("primary", "authorize", "breaker_open")._value.get() >= 1
        assert calls.labels("primary", "authorize", "succeeded")._value.get() == 1
    finally:
        await registry.close()


async def test_all_providers_unavailable_is_a_retryable_503_with_retry_after(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    primary: SandboxProcess,
    secondary: SandboxProcess,
    db: psycopg.Connection[Any],
) -> None:
    primary.configure(error_rate=1.0)
    secondary.configure(error_rate=1.0)
    payment_id = await new_payment(engine)
    with pytest.raises(PaymentUnavailable) as unavailable:
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_card_visa", idempotency_key_base="u"
        )
    status, body, headers = _problem(unavailable.value)
    assert status == 503 and body["code"] == "payment-unavailable" and body["retryable"] is True
    assert int(headers["retry-after"]) >= 1
    assert payment_row(db, payment_id)["status"] == "pending"
    assert [a["status"] for a in attempt_rows(db, payment_id)] == ["failed", "failed"]
    primary.configure(error_rate=0.0)
    secondary.configure(error_rate=0.0)
    assert primary.intents_for(payment_id) == secondary.intents_for(payment_id) == []


async def test_a_5xx_that_may_have_been_processed_does_not_fall_back(
    engine: AsyncEngine, registry: ProviderRegistry, secondary: SandboxProcess, db: psycopg.Connection[Any]
) -> None:
    payment_id = await new_payment(engine)
    with pytest.raises(PaymentUnavailable):
        await authorize_payment(
            engine, registry, payment_id=payment_id, payment_method_token="pm_sandbox_500", idempotency_key_base="5"
        )
    assert [(a["status"], a["error_code"]) for a in attempt_rows(db, payment_id)] == [("unknown", "http_500")]
    assert secondary.intents_for(payment_id) == []
