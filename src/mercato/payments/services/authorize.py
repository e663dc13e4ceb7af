"""Authorize a payment: the providers in order, falling back only when one is certainly unavailable.

Fallback happens when a provider's breaker is open, the connection is refused, or it answers 429/503 —
cases where no authorization can exist there. A decline ends the authorization (the customer must
choose another card); an unknown outcome (timeout, 5xx) ends it too, with a retryable 503, because
falling back then could leave two live authorizations. The next call resolves it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.kernel.errors import InvalidPaymentMethod, InvalidTransition, PaymentDeclined, RequestInProgress
from mercato.kernel.ids import new_id
from mercato.kernel.money import normalize_currency
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
from mercato.payments.services.payments import create_or_get_payment
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
        try:
            return await _record_attempt(
                tx,
                payment_id=payment.id,
                checkout_id=payment.checkout_id,
                amount=payment.amount,
                currency=payment.currency,
                provider=provider,
                token=token,
                key_base=key_base,
                number=number,
            )
        except AttemptInFlight as exc:
            raise RequestInProgress("another request for this payment is talking to the payment provider") from exc


async def _record_attempt(
    tx: Tx,
    *,
    payment_id: str,
    checkout_id: str | None,
    amount: int,
    currency: str,
    provider: str,
    token: str,
    key_base: str,
    number: int,
    savepoint: bool = True,
) -> Attempt:
    """The pending authorize attempt number `number`, written before its PSP call; its idempotency key is
    derived from the checkout, the payment and the number, so a replay of the same attempt is the same call."""
    attempt_id = new_id("payment_attempt")
    metadata = {"payment_id": payment_id, "attempt_id": attempt_id}
    if checkout_id:
        metadata["checkout_id"] = checkout_id
    return await insert_attempt(
        tx.conn,
        attempt_id=attempt_id,
        payment_id=payment_id,
        operation="authorize",
        provider=provider,
        idempotency_key=f"{key_base}:{payment_id}:authorize:{number}",
        amount=amount,
        request={"amount": amount, "currency": currency, "payment_method": token, "metadata": metadata},
        request_key=key_base,
        savepoint=savepoint,
    )


@dataclass(frozen=True, slots=True)
class OpenedAuthorization:
    """A checkout's payment and, when it was created just now, its first authorize attempt (not sent yet)."""

    payment_id: str
    attempt: Attempt | None


async def open_authorization(
    tx: Tx,
    registry: ProviderRegistry,
    *,
    checkout_id: str,
    user_id: str,
    amount: int,
    currency: str,
    merchant_ids: Sequence[str],
    payment_method_token: str,
    idempotency_key_base: str,
) -> OpenedAuthorization:
    """Create the checkout's payment and record its first authorize attempt in the caller's transaction.

    The checkout writes these with its reservation, so the common path pays no transaction of its own for
    them; `authorize_payment(opened=…)` then sends exactly that attempt. A payment that already existed (a
    resumed checkout) gets no attempt here: `authorize_payment` takes the careful path for it.
    """
    if not is_payment_method_token(payment_method_token):
        raise InvalidPaymentMethod("payment_method_token must be a PSP token such as pm_…, never card details")
    payment_id, created = await create_or_get_payment(
        tx, checkout_id=checkout_id, user_id=user_id, amount=amount, currency=currency, merchant_ids=merchant_ids
    )
    provider = next((name for name in registry.names if not registry.breakers.is_open(name)), None)
    if not created or provider is None:
        return OpenedAuthorization(payment_id, None)
    attempt = await _record_attempt(
        tx,
        payment_id=payment_id,
        checkout_id=checkout_id,
        amount=amount,
        currency=normalize_currency(currency),
        provider=provider,
        token=payment_method_token,
        key_base=idempotency_key_base[:100],
        number=1,
        savepoint=False,
    )
    return OpenedAuthorization(payment_id, attempt)


async def authorize_payment(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    *,
    payment_id: str,
    payment_method_token: str,
    idempotency_key_base: str,
    opened: Attempt | None = None,
) -> AuthorizationResult:
    """Hold the payment's amount on the customer's payment method; see `mercato.payments` for the contract.

    `opened` is the first attempt `open_authorization` recorded with the payment: it is sent as it is, with
    no reads before it (nothing else can have happened to a payment created in the caller's transaction).
    """
    if not is_payment_method_token(payment_method_token):
        raise InvalidPaymentMethod("payment_method_token must be a PSP token such as pm_…, never card details")
    key_base = idempotency_key_base[:100]
    if opened is None:
        payment = await _current(engine, payment_id)
        if payment.status in HOLDS_AUTHORIZATION:
            return _result(payment)
        await resolve_in_flight(engine, registry, payment_id=payment_id)
    tried: list[str] = []
    for index, name in enumerate(registry.names):
        if opened is not None and tried == [] and name != opened.provider:
            continue  # its breaker was open when the attempt was opened
        tried.append(name)
        claimed: Attempt | PaymentView
        if opened is not None and len(tried) == 1:
            claimed = opened
        else:
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
            if settled.adopted is not None:
                return settled.adopted
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
