"""The PSP sandbox, a separate process, speaks Stripe: the official SDK (through our adapter) and raw HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import stripe
import uvicorn

from mercato.payments.providers.base import (
    AuthorizeRequest,
    ProviderDeclined,
    ProviderInvalidPaymentMethod,
    ProviderInvalidRequest,
    ProviderOutcomeUnknown,
    ProviderUnavailable,
)
from tests.psp_fixtures import API_KEY, WEBHOOK_SECRET, SandboxProcess, free_port


def _request(pm: str = "pm_card_visa", amount: int = 2500, **metadata: str) -> AuthorizeRequest:
    return AuthorizeRequest(amount=amount, currency="usd", payment_method=pm, metadata=metadata)


async def test_visa_and_mastercard_authorize_with_manual_capture(primary: SandboxProcess) -> None:
    provider = primary.provider()
    try:
        for pm in ("pm_card_visa", "pm_card_mastercard"):
            payment = await provider.authorize(_request(pm), idempotency_key=f"sbx-ok-{pm}-{primary.port}")
            assert payment.state == "authorized"
            assert payment.amount == payment.amount_capturable == 2500
            assert payment.amount_received == 0 and payment.capture_before is not None
    finally:
        await provider.close()


@pytest.mark.parametrize(
    ("pm", "decline_code"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclinedFraudulent", "fraudulent"),
    ],
)
async def test_test_payment_methods_decline_with_their_codes(
    primary: SandboxProcess, pm: str, decline_code: str
) -> None:
    provider = primary.provider()
    try:
        with pytest.raises(ProviderDeclined) as declined:
            await provider.authorize(_request(pm), idempotency_key=f"sbx-decline-{pm}-{primary.port}")
        assert declined.value.decline_code == decline_code
    finally:
        await provider.close()


@pytest.mark.parametrize(
    ("number", "decline_code"),
    [("4242424242424242", None), ("5555555555554444", None), ("4000000000000002", "generic_decline"),
     ("4000000000009995", "insufficient_funds"), ("4100000000000019", "fraudulent")],
)  # fmt: skip
async def test_tokenized_test_card_numbers_behave_as_in_stripe_test_mode(
    primary: SandboxProcess, number: str, decline_code: str | None
) -> None:
    token = primary.tokenize(number)
    assert token.startswith("pm_")
    method = primary.get(f"/v1/payment_methods/{token}")
    assert method["card"]["last4"] == number[-4:] and "number" not in method["card"]
    provider = primary.provider()
    try:
        if decline_code is None:
            payment = await provider.authorize(_request(token), idempotency_key=f"tok-{token}")
            assert payment.state == "authorized"
        else:
            with pytest.raises(ProviderDeclined) as declined:
                await provider.authorize(_request(token), idempotency_key=f"tok-{token}")
            assert declined.value.decline_code == decline_code
    finally:
        await provider.close()


def test_tokenizing_an_invalid_number_is_a_card_error(primary: SandboxProcess) -> None:
    response = httpx.post(
        f"{primary.url}/v1/payment_methods",
        data={"type": "card", "card[number]": "4242424242424241", "card[exp_month]": "1", "card[exp_year]": "2030"},
        headers={"Authorization": "Bearer pk_test_sandbox"},
    )
    assert response.status_code == 402
    assert response.json()["error"] == {
        "type": "card_error",
        "message": "Your card number is incorrect.",
        "code": "incorrect_number",
    }


async def test_unknown_payment_method_is_invalid(primary: SandboxProcess) -> None:
    provider = primary.provider()
    try:
        with pytest.raises(ProviderInvalidPaymentMethod):
            await provider.authorize(_request("pm_does_not_exist"), idempotency_key=f"sbx-unknown-{primary.port}")
    finally:
        await provider.close()


async def test_same_idempotency_key_replays_and_other_params_are_an_idempotency_error(primary: SandboxProcess) -> None:
    provider = primary.provider()
    key = f"sbx-idem-{primary.port}"
    try:
        first = await provider.authorize(_request(order="1"), idempotency_key=key)
        again = await provider.authorize(_request(order="1"), idempotency_key=key)
        assert again.reference == first.reference
        with pytest.raises(ProviderInvalidRequest) as reused:
            await provider.authorize(_request(amount=2600, order="1"), idempotency_key=key)
        assert reused.value.code == "idempotency_error"
        assert len(primary.get("/v1/payment_intents/search", query="metadata['order']:'1'")["data"]) >= 1
    finally:
        await provider.close()


async def test_multicapture_then_final_capture_then_partial_and_full_refunds(primary: SandboxProcess) -> None:
    provider = primary.provider()
    try:
        auth = await provider.authorize(_request(amount=10000), idempotency_key=f"sbx-mc-{primary.port}")
        first = await provider.capture(
            auth.reference, amount=3000, final=False, idempotency_key="mc-1" + auth.reference
        )
        assert (first.state, first.amount_received, first.amount_capturable) == ("authorized", 3000, 7000)
        final = await provider.capture(auth.reference, amount=2000, final=True, idempotency_key="mc-2" + auth.reference)
        assert (final.state, final.amount_received, final.amount_capturable) == ("captured", 5000, 0)
        with pytest.raises(ProviderInvalidRequest):
            await provider.capture(auth.reference, amount=1, final=True, idempotency_key="mc-3" + auth.reference)
        refund = await provider.refund(
            auth.reference, amount=1500, idempotency_key="rf-1" + auth.reference, metadata={}
        )
        assert refund.amount == 1500
        with pytest.raises(ProviderInvalidRequest) as over:
            await provider.refund(auth.reference, amount=3501, idempotency_key="rf-2" + auth.reference, metadata={})
        assert over.value.code == "amount_too_large"
        rest = await provider.refund(auth.reference, amount=3500, idempotency_key="rf-3" + auth.reference, metadata={})
        assert rest.amount == 3500
        assert (await provider.retrieve(auth.reference)).amount_refunded == 5000
    finally:
        await provider.close()


async def test_cancel_releases_an_uncaptured_authorization(primary: SandboxProcess) -> None:
    provider = primary.provider()
    try:
        auth = await provider.authorize(_request(), idempotency_key=f"sbx-void-{primary.port}")
        voided = await provider.void(auth.reference, idempotency_key="void-" + auth.reference)
        assert voided.state == "canceled" and voided.amount_capturable == 0
    finally:
        await provider.close()


async def test_sandbox_misbehaviours_on_demand(primary: SandboxProcess) -> None:
    provider = primary.provider()
    try:
        with pytest.raises(ProviderOutcomeUnknown) as timeout:
            await provider.authorize(_request("pm_sandbox_timeout", m="t"), idempotency_key=f"sbx-to-{primary.port}")
        assert timeout.value.code == "timeout"
        # It processed the request before hanging: the same key replays the authorization.
        replay = await provider.authorize(
            _request("pm_sandbox_timeout", m="t"), idempotency_key=f"sbx-to-{primary.port}"
        )
        assert replay.state == "authorized"
        with pytest.raises(ProviderOutcomeUnknown) as failed:
            await provider.authorize(_request("pm_sandbox_500"), idempotency_key=f"sbx-500-{primary.port}")
        assert failed.value.code == "http_500"
        primary.configure(error_rate=1.0)
        with pytest.raises(ProviderUnavailable):
            await provider.authorize(_request(), idempotency_key=f"sbx-503-{primary.port}")
    finally:
        await provider.close()


async def test_a_wrong_api_key_is_refused(primary: SandboxProcess) -> None:
    response = httpx.get(f"{primary.url}/v1/payment_intents", headers={"Authorization": "Bearer sk_test_wrong"})
    assert response.status_code == 401
    assert (
        httpx.get(f"{primary.url}/v1/payment_intents", headers={"Authorization": f"Bearer {API_KEY}"}).status_code
        == 200
    )


async def test_state_survives_a_crash_and_restart(own_sandbox: SandboxProcess) -> None:
    provider = own_sandbox.provider()
    try:
        auth = await provider.authorize(_request(amount=4200), idempotency_key="persist-1")
    finally:
        await provider.close()
    own_sandbox.restart()  # SIGKILL, then start on the same port and state directory
    provider = own_sandbox.provider()
    try:
        again = await provider.retrieve(auth.reference)
        assert (again.state, again.amount_capturable) == ("authorized", 4200)
        replay = await provider.authorize(_request(amount=4200), idempotency_key="persist-1")
        assert replay.reference == auth.reference
    finally:
        await provider.close()


async def test_delayed_method_succeeds_after_its_delay_and_json_bodies_are_accepted(primary: SandboxProcess) -> None:
    primary.configure(delayed_ms=50)
    provider = primary.provider()
    try:
        slow = await provider.authorize(_request("pm_sandbox_delayed"), idempotency_key=f"sbx-delay-{primary.port}")
        assert slow.state == "authorized"
    finally:
        await provider.close()
    response = httpx.post(
        f"{primary.url}/v1/payment_intents",
        json={"amount": 700, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True,
              "capture_method": "manual", "metadata": {"source": "json"}},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["metadata"]) == ("requires_capture", {"source": "json"})


async def test_webhooks_are_signed_and_retried_until_delivered(primary: SandboxProcess) -> None:
    received: list[tuple[str, bytes]] = []
    failures_left = 2

    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        nonlocal failures_left
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = 500 if failures_left > 0 else 200
        failures_left -= 1
        headers = dict(scope["headers"])
        received.append((headers.get(b"stripe-signature", b"").decode(), body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    config = uvicorn.Config(endpoint, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        primary.configure(webhook_url=f"http://127.0.0.1:{config.port}/hook", webhook_retry_base_seconds=0.05)
        provider = primary.provider()
        try:
            auth = await provider.authorize(_request(), idempotency_key=f"sbx-hook-{primary.port}")
        finally:
            await provider.close()
        deadline = asyncio.get_running_loop().time() + 15
        while len(received) < 3:
            assert asyncio.get_running_loop().time() < deadline, "the webhook was not retried"
            await asyncio.sleep(0.02)
        signature, body = received[-1]
        event = stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET)
        assert event.type == "payment_intent.amount_capturable_updated"
        assert event.data.object.id == auth.reference
        assert {b for _, b in received} == {body}  # the same event each time
    finally:
        server.should_exit = True
        await task
