"""The Stripe adapter, on the official `stripe` SDK: PaymentIntents with manual capture, refunds, webhooks.

Pointed at the sandbox by `base_url`; a real Stripe secret key and `https://api.stripe.com` work
unchanged. The SDK's own retries are off: the service retries (with the same idempotency key) under
its circuit breaker, and it needs to see every failure to classify it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import stripe

from mercato.payments.providers.base import (
    AuthorizeRequest,
    ProviderDeclined,
    ProviderError,
    ProviderEvent,
    ProviderInvalidPaymentMethod,
    ProviderInvalidRequest,
    ProviderOutcomeUnknown,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
    WebhookSignatureInvalid,
)

_EXPAND = ["latest_charge"]
# Connection-level failures that prove the request never reached the PSP.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
_INTENT_STATES = {
    "requires_capture": "authorized",
    "succeeded": "captured",
    "canceled": "canceled",
    "processing": "pending",
    "requires_confirmation": "pending",
    "requires_action": "pending",
}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Read a field from a StripeObject or a plain dict alike."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    try:
        return obj[name]
    except (KeyError, TypeError):
        return default


def payment_from_intent(intent: Any) -> ProviderPayment:
    """Normalise a PaymentIntent (expanded `latest_charge` if present) into a `ProviderPayment`."""
    charge = _get(intent, "latest_charge")
    charge = charge if charge is not None and not isinstance(charge, str) else None
    card = _get(_get(charge, "payment_method_details"), "card")
    capture_before = _get(card, "capture_before")
    error = _get(intent, "last_payment_error")
    status = str(_get(intent, "status"))
    state = _INTENT_STATES.get(status, "pending")
    if status == "requires_payment_method":
        state = "declined" if error is not None else "pending"
    if status == "canceled" and _get(intent, "cancellation_reason") == "automatic":
        state = "expired"
    metadata = _get(intent, "metadata") or {}
    metadata = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return ProviderPayment(
        reference=str(_get(intent, "id")),
        state=state,
        amount=int(_get(intent, "amount", 0)),
        amount_capturable=int(_get(intent, "amount_capturable", 0)),
        amount_received=int(_get(intent, "amount_received", 0)),
        amount_refunded=int(_get(charge, "amount_refunded", 0) or 0),
        currency=str(_get(intent, "currency")),
        capture_before=datetime.fromtimestamp(int(capture_before), UTC) if capture_before else None,
        decline_code=_get(error, "decline_code") or _get(error, "code") if error is not None else None,
        metadata={str(k): str(v) for k, v in metadata.items()},
    )


def translate_error(exc: stripe.StripeError) -> ProviderError:
    """Map an SDK error onto the four kinds of failure the service tells apart."""
    status = exc.http_status
    if isinstance(exc, stripe.CardError):
        error = exc.error
        intent = _get(error, "payment_intent")
        return ProviderDeclined(
            exc.user_message or "declined",
            decline_code=str(_get(error, "decline_code") or exc.code or "generic_decline"),
            code=exc.code,
            reference=_get(intent, "id"),
        )
    if isinstance(exc, stripe.IdempotencyError):
        return ProviderInvalidRequest("the idempotency key was reused with other parameters", code="idempotency_error")
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.code == "resource_missing" and exc.param == "payment_method":
            return ProviderInvalidPaymentMethod("the PSP does not know this payment method")
        return ProviderInvalidRequest(exc.user_message or "invalid request", code=exc.code or "invalid_request")
    if isinstance(exc, stripe.RateLimitError):
        return ProviderUnavailable("rate limited by the PSP", code="rate_limited")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        return ProviderUnavailable("the PSP refused our credentials", code="authentication_failed")
    if isinstance(exc, stripe.APIConnectionError):
        if isinstance(exc.__cause__, _NOT_SENT):
            return ProviderUnavailable("could not connect to the PSP", code="connection_failed")
        if isinstance(exc.__cause__, httpx.TimeoutException):
            return ProviderOutcomeUnknown("the PSP did not answer in time", code="timeout")
        return ProviderOutcomeUnknown("the connection to the PSP failed mid-request", code="network_error")
    if status == 503:
        return ProviderUnavailable("the PSP is unavailable", code="psp_unavailable")
    if status == 409:
        return ProviderOutcomeUnknown("the PSP is still processing this request", code="in_progress")
    return ProviderOutcomeUnknown(f"the PSP failed with HTTP {status}", code=f"http_{status}")


class StripeProvider:
    """A Stripe account (or a sandbox that speaks Stripe) as a `PaymentProvider`."""

    def __init__(
        self,
        name: str,
        *,
        api_key: str,
        base_url: str,
        webhook_secret: str | None,
        timeout_seconds: float,
        connect_timeout_seconds: float,
    ) -> None:
        self.name = name
        self._webhook_secret = webhook_secret
        self._http = stripe.HTTPXClient(timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds))
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base_url.rstrip("/")},
            max_network_retries=0,
            http_client=self._http,
        )

    async def authorize(self, request: AuthorizeRequest, *, idempotency_key: str) -> ProviderPayment:
        params: Any = {
            "amount": request.amount,
            "currency": request.currency,
            "payment_method": request.payment_method,
            "confirm": True,
            "capture_method": "manual",
            "payment_method_types": ["card"],
            "payment_method_options": {"card": {"request_multicapture": "if_available"}},
            "metadata": request.metadata,
            "expand": _EXPAND,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise translate_error(exc) from exc
        return payment_from_intent(intent)

    async def capture(self, reference: str, *, amount: int, final: bool, idempotency_key: str) -> ProviderPayment:
        params: Any = {"amount_to_capture": amount, "final_capture": final, "expand": _EXPAND}
        try:
            intent = await self._client.v1.payment_intents.capture_async(
                reference, params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise translate_error(exc) from exc
        return payment_from_intent(intent)

    async def void(self, reference: str, *, idempotency_key: str) -> ProviderPayment:
        params: Any = {"cancellation_reason": "abandoned", "expand": _EXPAND}
        try:
            intent = await self._client.v1.payment_intents.cancel_async(
                reference, params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise translate_error(exc) from exc
        return payment_from_intent(intent)

    async def refund(
        self, reference: str, *, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderRefund:
        params: Any = {"payment_intent": reference, "amount": amount, "metadata": metadata}
        try:
            refund = await self._client.v1.refunds.create_async(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise translate_error(exc) from exc
        return ProviderRefund(
            reference=refund.id, payment_reference=reference, amount=int(refund.amount), status=str(refund.status)
        )

    async def retrieve(self, reference: str) -> ProviderPayment:
        params: Any = {"expand": _EXPAND}
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(reference, params=params)
        except stripe.StripeError as exc:
            raise translate_error(exc) from exc
        return payment_from_intent(intent)

    async def find_by_metadata(self, key: str, value: str) -> list[ProviderPayment]:
        params: Any = {"query": f"metadata['{key}']:'{value}'", "expand": ["data.latest_charge"]}
        try:
            found = await self._client.v1.payment_intents.search_async(params=params)
        except stripe.StripeError as exc:
            raise translate_error(exc) from exc
        return [payment_from_intent(intent) for intent in found.data]

    def verify_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent:
        if not self._webhook_secret:
            raise WebhookSignatureInvalid(f"no webhook secret is configured for provider {self.name}")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise WebhookSignatureInvalid("the Stripe-Signature header does not verify") from exc
        obj = event.data.object
        payment: ProviderPayment | None = None
        if _get(obj, "object") == "payment_intent":
            payment = payment_from_intent(obj)
        elif _get(obj, "object") == "charge" and _get(obj, "payment_intent"):
            payment = ProviderPayment(
                reference=str(_get(obj, "payment_intent")),
                state="refund_update",
                amount=int(_get(obj, "amount", 0)),
                amount_capturable=0,
                amount_received=int(_get(obj, "amount_captured", 0)),
                amount_refunded=int(_get(obj, "amount_refunded", 0)),
                currency=str(_get(obj, "currency")),
            )
        return ProviderEvent(id=str(event.id), type=str(event.type), payment=payment)

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]
