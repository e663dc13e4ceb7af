"""Authorize a payment: the providers in order, falling back only when one is certainly unavailable.

Fallback happens when a provider's breaker is open, the connection is refused, or it answers 429/503 —
cases where no authorization can exist there. A decline ends the authorization (the customer must
choose another card); an unknown outcome (timeout, 5xx) ends it too, with a retryable 503, because
falling back then could leave two live authorizations. The next call resolves it first.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.errors import InvalidPaymentMethod, InvalidTransition, PaymentDeclined, RequestInProgress
from mercato.kernel.ids import new_id
from mercato.payments.domain import (
    AUTHORIZABLE,
    HOLDS_AUTHORIZATION,
    AuthorizationResult,
    PaymentView,
    is_payment_method_token,
)
from mercato.payments.providers.base import ProviderDeclined, ProviderInvalidPaymentMethod, ProviderUnavailable
from mercato.payments.registry import ProviderRegistry
from mercato.payments.services.attempts import Attempt, AttemptInFlight, count_attempts, insert_attempt, load_payment
from mercato.payments.services.execution import execute_attempt
from mercato.payments.services.resolve import resolve_in_flight, unavailable

logger = structlog.get_logger("mercato.payments")


def _result(payment: PaymentView) -> AuthorizationResult:
    assert payment.provider and payment.psp_reference
    return AuthorizationResult(
        payment_id=payment.id,
        provider=payment.provider,
        psp_reference=payment.psp_reference,
        amount_authorized=payment.amount_authorized,
        currency=payment.currency,
        expires_at=payment.authorization_expires_at,
    )


async def _current(engine: AsyncEngine, payment_id: str) -> PaymentView:
    async with engine.connect() as conn:
        return await load_payment(conn, payment_id)


async def _claim(
    engine: AsyncEngine, *, payment_id: str, provider: str, token: str, key_base: str
) -> Attempt | PaymentView:
    """Record the next authorize attempt, or return the payment if it already holds an authorization."""
    async with unit_of_work(engine) as tx:
        payment = await load_payment(tx.conn, payment_id, for_update=True)
        if payment.status in HOLDS_AUTHORIZATION:
            return payment
        if payment.status not in AUTHORIZABLE:
            raise InvalidTransition(f"a {payment.status} payment cannot be authorized")
        number = await count_attempts(tx.conn, payment_id=payment_id, operation="authorize") + 1
        attempt_id = new_id("payment_attempt")
        metadata = {"payment_id": payment_id, "attempt_id": attempt_id}
        if payment.checkout_id:
            metadata["checkout_id"] = payment.checkout_id
        try:
            return await insert_attempt(
                tx.conn,
                attempt_id=attempt_id,
                payment_id=payment_id,
                operation="authorize",
                provider=provider,
                idempotency_key=f"{key_base}:{payment_id}:authorize:{number}",
                amount=payment.amount,
                request={
                    "amount": payment.amount,
                    "currency": payment.currency,
                    "payment_method": token,
                    "metadata": metadata,
                },
                request_key=key_base,
            )
        except AttemptInFlight as exc:
            raise RequestInProgress("another request for this payment is talking to the payment provider") from exc


async def authorize_payment(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    *,
    payment_id: str,
    payment_method_token: str,
    idempotency_key_base: str,
) -> AuthorizationResult:
    """Hold the payment's amount on the customer's payment method; see `mercato.payments` for the contract."""
    if not is_payment_method_token(payment_method_token):
        raise InvalidPaymentMethod("payment_method_token must be a PSP token such as pm_…, never card details")
    key_base = idempotency_key_base[:100]
    payment = await _current(engine, payment_id)
    if payment.status in HOLDS_AUTHORIZATION:
        return _result(payment)
    await resolve_in_flight(engine, registry, payment_id=payment_id)
    tried: list[str] = []
    for index, name in enumerate(registry.names):
        tried.append(name)
        if registry.breakers.is_open(name):
            registry.metrics.calls.labels(name, "authorize", "breaker_open").inc()
            registry.metrics.fallbacks.labels(name).inc()
            continue
        claimed = await _claim(
            engine, payment_id=payment_id, provider=name, token=payment_method_token, key_base=key_base
        )
        if isinstance(claimed, PaymentView):
            return _result(claimed)
        settled = await execute_attempt(engine, registry, claimed, first=True, by="inline")
        if settled.status == "succeeded":
            payment = await _current(engine, payment_id)
            if payment.status in HOLDS_AUTHORIZATION:
                return _result(payment)
            raise InvalidTransition(f"the payment became {payment.status} while it was being authorized")
        if settled.status == "unknown":
            raise unavailable(registry, [name], "the payment provider did not answer in time; try again shortly")
        error = settled.error
        if isinstance(error, ProviderDeclined):
            raise PaymentDeclined("the payment method was declined; use another one", decline_code=error.decline_code)
        if isinstance(error, ProviderInvalidPaymentMethod) and index == 0:
            raise InvalidPaymentMethod("the payment provider does not know this payment method")
        # Unavailable (nothing was processed), or a token the fallback provider cannot use: move on.
        if isinstance(error, ProviderUnavailable):
            registry.metrics.fallbacks.labels(name).inc()
        logger.warning("psp_authorize_moved_on", provider=name, error=error.code if error else None)
    raise unavailable(registry, tried, "no payment provider is available right now; try again shortly")
