"""Executing an attempt: call the PSP outside any transaction, then settle the outcome in a short one.

The same function makes the first call and every replay (reconciliation, a client's retry), so a replay
is always the identical request under the identical idempotency key. Settling is conditional on the
attempt still being unresolved, and a payment's amounts only take the PSP's cumulative figures, so
whichever path (call, replay, webhook) learns an outcome first records it, and the others change nothing.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.payments.domain import (
    AUTHORIZED,
    EXPIRED,
    FAILED,
    PENDING,
    VOIDED,
    AuthorizationResult,
    PaymentView,
    derive_status,
)
from mercato.payments.providers.base import (
    AuthorizeRequest,
    ProviderDeclined,
    ProviderError,
    ProviderInvalidPaymentMethod,
    ProviderInvalidRequest,
    ProviderOutcomeUnknown,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
)
from mercato.payments.registry import ProviderRegistry
from mercato.payments.services.attempts import Attempt, get_attempt, load_payment, settle_attempt_row
from mercato.payments.services.payment_state import (
    adopt_authorization,
    apply_view,
    payment_payload,
    set_payment_status,
)
from mercato.payments.services.reviews import close_reviews_for_attempt
from mercato.payments.tables import payment_attempts, payments

Result = ProviderPayment | ProviderRefund
# Error codes of failures that prove the PSP did nothing (the request never got in).
UNAVAILABLE_ERROR_CODES = frozenset(
    {
        "connection_failed",
        "rate_limited",
        "psp_unavailable",
        "breaker_open",
        "authentication_failed",
        "not_configured",
        "unavailable",
    }
)


@dataclass(frozen=True, slots=True)
class Settled:
    """An attempt's status after execution, with what the PSP said."""

    status: str
    error: ProviderError | None = None
    result: Result | None = None
    adopted: AuthorizationResult | None = None  # set when an authorize attempt made its authorization the live one


async def perform(registry: ProviderRegistry, attempt: Attempt) -> Result:
    """Make (or replay) the attempt's PSP call from its recorded request."""
    provider = registry.get(attempt.provider)
    if provider is None:
        raise ProviderUnavailable(f"provider {attempt.provider} is not configured", code="not_configured")
    req, key, ref = attempt.request, attempt.idempotency_key, attempt.psp_reference or ""
    call: Callable[[], Awaitable[Result]]
    if attempt.operation == "authorize":
        auth = AuthorizeRequest(req["amount"], req["currency"], req["payment_method"], req["metadata"])
        call = lambda: provider.authorize(auth, idempotency_key=key)  # noqa: E731
    elif attempt.operation == "capture":
        call = lambda: provider.capture(ref, amount=req["amount"], final=req["final"], idempotency_key=key)  # noqa: E731
    elif attempt.operation == "void":
        call = lambda: provider.void(ref, idempotency_key=key)  # noqa: E731
    else:
        call = lambda: provider.refund(ref, amount=req["amount"], idempotency_key=key, metadata=req["metadata"])  # noqa: E731
    return await registry.call(attempt.provider, attempt.operation, call)


async def execute_attempt(
    engine: AsyncEngine, registry: ProviderRegistry, attempt: Attempt, *, first: bool, by: str
) -> Settled:
    """Call the PSP for the attempt, then record the outcome. `first`: the request was never sent before."""
    started = time.perf_counter()
    result: Result | None = None
    error: ProviderError | None = None
    try:
        result = await perform(registry, attempt)
    except ProviderError as exc:
        error = exc
    latency_ms = round((time.perf_counter() - started) * 1000)
    async with unit_of_work(engine) as tx:
        return await settle(tx, registry, attempt, result, error, first=first, by=by, latency_ms=latency_ms)


async def settle(
    tx: Tx,
    registry: ProviderRegistry,
    attempt: Attempt,
    result: Result | None,
    error: ProviderError | None,
    *,
    first: bool,
    by: str,
    latency_ms: int | None = None,
) -> Settled:
    """Record what the PSP said about an attempt, and what it means for the payment."""
    conn = tx.conn
    payment = await load_payment(conn, attempt.payment_id, for_update=True)
    mark = _marker(conn, attempt, by=by, latency_ms=latency_ms)
    emitted = len(tx.events)
    if error is not None:
        settled = await _settle_error(tx, attempt, payment, error, first=first, mark=mark)
        if settled.status == "unknown":
            registry.metrics.unknown_outcomes.labels(attempt.provider, attempt.operation).inc()
    elif isinstance(result, ProviderRefund):
        settled = await _settle_refund(tx, attempt, payment, result, mark=mark)
    elif result is not None:
        settled = await _settle_payment(tx, attempt, payment, result, mark=mark)
    else:  # pragma: no cover - perform always returns or raises
        raise AssertionError("no result and no error")
    if attempt.status == "unknown" and settled.status != "unknown":
        registry.metrics.unknown_resolved.labels(attempt.provider, settled.status).inc()
    if settled.status != "unknown" and by == "reconciliation":
        await close_reviews_for_attempt(conn, attempt_id=attempt.id)
    if latency_ms is not None:  # the events this PSP answer caused carry its round trip (the latency SLI)
        for event in tx.events[emitted:]:
            event["payload"]["latency_ms"] = latency_ms
    return settled


Marker = Callable[..., Awaitable[bool]]


def _marker(conn: AsyncConnection, attempt: Attempt, *, by: str, latency_ms: int | None) -> Marker:
    async def mark(status: str, **values: Any) -> bool:
        return await settle_attempt_row(
            conn, attempt.id, status=status, resolved_by=by, latency_ms=latency_ms, **values
        )

    return mark


async def _already_settled(conn: AsyncConnection, attempt: Attempt) -> Settled:
    """Another path (a webhook, a replay) recorded the outcome first: report what it recorded."""
    current = await get_attempt(conn, attempt.id)
    if current is None or current.status != "failed":
        return Settled(current.status if current else "unknown")
    return Settled("failed", recorded_error(current))


def recorded_error(attempt: Attempt) -> ProviderError:
    """The provider error a failed attempt row stands for."""
    code = attempt.error_code or "failed"
    if attempt.decline_code:
        return ProviderDeclined("declined", decline_code=attempt.decline_code, code=code)
    if code == "invalid_payment_method":
        return ProviderInvalidPaymentMethod("unknown payment method")
    if code in UNAVAILABLE_ERROR_CODES:
        return ProviderUnavailable("unavailable", code=code)
    return ProviderInvalidRequest("refused", code=code)


async def _settle_error(
    tx: Tx, attempt: Attempt, payment: PaymentView, error: ProviderError, *, first: bool, mark: Marker
) -> Settled:
    conn = tx.conn
    if isinstance(error, ProviderOutcomeUnknown) or (isinstance(error, ProviderUnavailable) and not first):
        # A replay that cannot reach the PSP proves nothing about the original request.
        await mark("unknown", error_code=error.code)
        return Settled("unknown", error)
    decline_code = error.decline_code if isinstance(error, ProviderDeclined) else None
    if not await mark("failed", error_code=error.code, decline_code=decline_code):
        return await _already_settled(conn, attempt)
    status = payment.status
    if attempt.operation == "authorize" and isinstance(error, ProviderDeclined) and payment.status == PENDING:
        await conn.execute(
            update(payments)
            .where(payments.c.id == payment.id, payments.c.status == PENDING)
            .values(status=FAILED, updated_at=func.now())
        )
        status = FAILED
    emit_failed(tx, payment, status, attempt=attempt, decline_code=decline_code, error_code=error.code)
    return Settled("failed", error)


def emit_failed(
    tx: Tx, payment: PaymentView, status: str, *, attempt: Attempt, decline_code: str | None, error_code: str | None
) -> None:
    """payment.failed: the PSP declined or refused one attempt (each failed attempt counts, as in the SLIs)."""
    tx.emit(
        aggregate="payment",
        aggregate_id=payment.id,
        event_type="payment.failed",
        payload={
            **payment_payload(payment, status),
            "operation": attempt.operation,
            "decline_code": decline_code,
            "error_code": error_code,
        },
    )


async def _settle_payment(
    tx: Tx, attempt: Attempt, payment: PaymentView, view: ProviderPayment, *, mark: Marker
) -> Settled:
    conn = tx.conn
    if attempt.operation == "authorize":
        if view.state == "pending":
            await mark("unknown", psp_reference=view.reference, error_code="processing")
            return Settled("unknown", result=view)
        if view.state in ("declined", "canceled", "expired"):
            code = "card_declined" if view.state == "declined" else "canceled_at_psp"
            if not await mark("failed", psp_reference=view.reference, error_code=code, decline_code=view.decline_code):
                return await _already_settled(conn, attempt)
            declined_status = FAILED if view.state == "declined" and payment.status == PENDING else payment.status
            emit_failed(tx, payment, declined_status, attempt=attempt, decline_code=view.decline_code, error_code=code)
            if view.state != "declined":
                return Settled("failed", ProviderInvalidRequest("released at the PSP", code=code))
            if payment.status == PENDING:
                await set_payment_status(conn, payment.id, FAILED)
            return Settled("failed", ProviderDeclined("declined", decline_code=view.decline_code or "generic_decline"))
        if not await mark("succeeded", psp_reference=view.reference):
            return await _already_settled(conn, attempt)
        if not await adopt_authorization(tx, payment, provider=attempt.provider, view=view, attempt=attempt):
            return Settled("succeeded", result=view)
        live = AuthorizationResult(
            payment_id=payment.id,
            provider=attempt.provider,
            psp_reference=view.reference,
            amount_authorized=view.amount,
            currency=payment.currency,
            expires_at=view.capture_before,
        )
        return Settled("succeeded", result=view, adopted=live)
    if not await mark("succeeded"):
        return await _already_settled(conn, attempt)
    if attempt.operation == "void":
        if view.reference == payment.psp_reference and payment.status in (AUTHORIZED, EXPIRED, PENDING, FAILED):
            await set_payment_status(conn, payment.id, VOIDED)
            tx.emit(
                aggregate="payment",
                aggregate_id=payment.id,
                event_type="payment.voided",
                payload=payment_payload(payment, VOIDED),
            )
        return Settled("succeeded", result=view)
    await apply_view(tx, payment, view)
    return Settled("succeeded", result=view)


async def _settle_refund(
    tx: Tx, attempt: Attempt, payment: PaymentView, refund: ProviderRefund, *, mark: Marker
) -> Settled:
    conn = tx.conn
    if not await mark("succeeded", result_reference=refund.reference):
        return await _already_settled(conn, attempt)
    total = await conn.scalar(
        select(func.coalesce(func.sum(payment_attempts.c.amount), 0)).where(
            payment_attempts.c.payment_id == payment.id,
            payment_attempts.c.operation == "refund",
            payment_attempts.c.status == "succeeded",
        )
    )
    refunded = max(payment.amount_refunded, int(total or 0))
    status = derive_status(
        current=payment.status,
        psp_state="refund_update",
        amount_captured=payment.amount_captured,
        amount_refunded=refunded,
    )
    await conn.execute(
        update(payments)
        .where(payments.c.id == payment.id)
        .values(amount_refunded=refunded, status=status, updated_at=func.now())
    )
    tx.emit(
        aggregate="payment",
        aggregate_id=payment.id,
        event_type="payment.refunded",
        payload={**payment_payload(payment, status), "amount_refunded": refunded, "refund_amount": refund.amount},
    )
    return Settled("succeeded", result=refund)
