"""Capture, void and refund: keyed by the caller's idempotency key, at the provider holding the authorization.

There is no fallback here: the money is where the authorization is. The caller's key maps to attempt
rows; repeating a call with the same key returns the recorded outcome, resolves an unknown one by
replaying it, or — only when the PSP certainly did nothing — tries again under a fresh PSP key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.errors import (
    Conflict,
    DomainError,
    IdempotencyKeyReused,
    InvalidTransition,
    RefundExceedsCaptured,
    RequestInProgress,
    ValidationFailed,
)
from mercato.payments.domain import AUTHORIZABLE, AUTHORIZED, CAPTURABLE, EXPIRED, REFUNDABLE, VOIDED, PaymentView
from mercato.payments.registry import ProviderRegistry
from mercato.payments.services.attempts import (
    Attempt,
    AttemptInFlight,
    count_attempts,
    insert_attempt,
    latest_attempt,
    load_payment,
)
from mercato.payments.services.execution import execute_attempt
from mercato.payments.services.resolve import UNAVAILABLE_CODES, resolve_in_flight, unavailable
from mercato.payments.tables import payments

# Given the locked payment, check the operation is allowed and return (amount, request) for the PSP.
Planner = Callable[[PaymentView], tuple[int, dict[str, Any]]]


def _refusal(operation: str, attempt: Attempt) -> DomainError:
    """The domain error a definitive PSP refusal of this operation stands for."""
    code = attempt.error_code or ""
    if operation == "refund" and code in ("amount_too_large", "charge_already_refunded"):
        return RefundExceedsCaptured("the refund exceeds what is left of the captured amount")
    if code == "amount_too_large":
        return Conflict("the capture exceeds what is left of the authorization")
    return InvalidTransition(f"the payment provider refused to {operation} this payment ({code})")


async def _view(engine: AsyncEngine, payment_id: str) -> PaymentView:
    async with engine.connect() as conn:
        return await load_payment(conn, payment_id)


async def _run_keyed(
    engine: AsyncEngine,
    registry: ProviderRegistry,
    *,
    payment_id: str,
    operation: str,
    request_key: str,
    plan: Planner,
) -> PaymentView:
    """The shared life of a capture, void or refund under the caller's key."""
    if not request_key or len(request_key) > 200:
        raise ValidationFailed("an idempotency key of 1-200 characters is required", field="idempotency_key")
    async with engine.connect() as conn:
        payment = await load_payment(conn, payment_id)
        previous = await latest_attempt(conn, payment_id=payment_id, operation=operation, request_key=request_key)
    if previous is not None:
        _, asked = plan_unchecked(plan, payment)
        if asked is not None and _comparable(previous.request) != _comparable(asked):
            raise IdempotencyKeyReused(f"this key was used for another {operation} of this payment")
        if previous.status == "succeeded":
            return await _view(engine, payment_id)
        if previous.status == "failed" and previous.error_code not in UNAVAILABLE_CODES:
            raise _refusal(operation, previous)
    await resolve_in_flight(engine, registry, payment_id=payment_id)
    if previous is not None and previous.status in ("pending", "unknown"):
        # resolve_in_flight just settled it (it was the payment's one unresolved attempt).
        async with engine.connect() as conn:
            previous = await latest_attempt(conn, payment_id=payment_id, operation=operation, request_key=request_key)
        assert previous is not None
        if previous.status == "succeeded":
            return await _view(engine, payment_id)
        if previous.error_code not in UNAVAILABLE_CODES:
            raise _refusal(operation, previous)
    attempt = await _claim(engine, payment_id=payment_id, operation=operation, request_key=request_key, plan=plan)
    settled = await execute_attempt(engine, registry, attempt, first=True, by="inline")
    if settled.status == "succeeded":
        return await _view(engine, payment_id)
    if settled.status == "unknown":
        raise unavailable(
            registry, [attempt.provider], "the payment provider did not answer in time; retry with the same key"
        )
    if settled.error is not None and settled.error.code in UNAVAILABLE_CODES:
        raise unavailable(registry, [attempt.provider], "the payment provider is unavailable; retry with the same key")
    async with engine.connect() as conn:
        failed = await latest_attempt(conn, payment_id=payment_id, operation=operation, request_key=request_key)
    assert failed is not None
    raise _refusal(operation, failed)


def plan_unchecked(plan: Planner, payment: PaymentView) -> tuple[int, dict[str, Any] | None]:
    """The request a plan would make, or None if the payment's state no longer allows it."""
    try:
        amount, request = plan(payment)
    except DomainError:
        return 0, None
    return amount, request


def _comparable(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k != "metadata"}


async def _claim(engine: AsyncEngine, *, payment_id: str, operation: str, request_key: str, plan: Planner) -> Attempt:
    async with unit_of_work(engine) as tx:
        payment = await load_payment(tx.conn, payment_id, for_update=True)
        amount, request = plan(payment)
        assert payment.provider and payment.psp_reference
        number = await count_attempts(tx.conn, payment_id=payment_id, operation=operation) + 1
        try:
            return await insert_attempt(
                tx.conn,
                payment_id=payment_id,
                operation=operation,
                provider=payment.provider,
                idempotency_key=f"{payment_id}:{operation}:{number}:{request_key}",
                amount=amount,
                request=request,
                request_key=request_key,
                psp_reference=payment.psp_reference,
            )
        except AttemptInFlight as exc:
            raise RequestInProgress("another request for this payment is talking to the payment provider") from exc


async def capture_payment(
    engine: AsyncEngine, registry: ProviderRegistry, *, payment_id: str, amount: int, final: bool, idempotency_key: str
) -> PaymentView:
    """Capture `amount` of the authorization; `final=True` releases whatever is left uncaptured."""

    def plan(payment: PaymentView) -> tuple[int, dict[str, Any]]:
        if payment.status not in CAPTURABLE:
            raise InvalidTransition(f"a {payment.status} payment cannot be captured")
        left = payment.amount_authorized - payment.amount_captured
        if amount < 1 or amount > left:
            raise Conflict(f"the capture must be between 1 and the {left} left of the authorization")
        return amount, {"amount": amount, "final": final}

    return await _run_keyed(
        engine, registry, payment_id=payment_id, operation="capture", request_key=idempotency_key, plan=plan
    )


async def refund_payment(
    engine: AsyncEngine, registry: ProviderRegistry, *, payment_id: str, amount: int, idempotency_key: str
) -> PaymentView:
    """Refund `amount` of what was captured; more than is left raises RefundExceedsCaptured."""

    def plan(payment: PaymentView) -> tuple[int, dict[str, Any]]:
        if payment.status not in REFUNDABLE:
            if payment.status == "refunded":
                raise RefundExceedsCaptured("the payment is already fully refunded")
            raise InvalidTransition(f"a {payment.status} payment cannot be refunded")
        left = payment.amount_captured - payment.amount_refunded
        if amount > left:
            raise RefundExceedsCaptured(f"the refund exceeds the {left} left of the captured amount")
        if amount < 1:
            raise ValidationFailed("a refund must be at least 1 minor unit", field="amount")
        return amount, {"amount": amount, "metadata": {"payment_id": payment.id}}

    return await _run_keyed(
        engine, registry, payment_id=payment_id, operation="refund", request_key=idempotency_key, plan=plan
    )


async def void_payment(engine: AsyncEngine, registry: ProviderRegistry, *, payment_id: str) -> PaymentView:
    """Release the authorization (the saga's compensation); a payment never authorized is simply closed.

    Idempotent: voiding a voided payment returns it unchanged.
    """
    payment = await _view(engine, payment_id)
    if payment.status == VOIDED:
        return payment
    await resolve_in_flight(engine, registry, payment_id=payment_id)
    payment = await _view(engine, payment_id)
    if payment.status in AUTHORIZABLE or payment.status == EXPIRED:
        async with unit_of_work(engine) as tx:
            closed = await _close_unauthorized(tx.conn, payment_id)
        if closed:
            return await _view(engine, payment_id)
        payment = await _view(engine, payment_id)
    if payment.status == VOIDED:
        return payment

    def plan(current: PaymentView) -> tuple[int, dict[str, Any]]:
        if current.status != AUTHORIZED:
            raise InvalidTransition(f"a {current.status} payment cannot be voided; refund what was captured")
        return current.amount_authorized, {}

    return await _run_keyed(engine, registry, payment_id=payment_id, operation="void", request_key="void", plan=plan)


async def _close_unauthorized(conn: AsyncConnection, payment_id: str) -> bool:
    result = await conn.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status.in_([*AUTHORIZABLE, EXPIRED]))
        .values(status=VOIDED, updated_at=func.now())
    )
    return bool(result.rowcount)
