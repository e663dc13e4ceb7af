"""Reading and writing payments and their attempt rows (SQLAlchemy Core, conditional updates).

An attempt row is committed before its PSP call, with the idempotency key and the exact request, and
its outcome is written afterwards only if it is still unresolved (`WHERE status IN ('pending',
'unknown')`), so whichever path learns the outcome first — the call itself, a webhook, reconciliation —
records it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of, new_id
from mercato.payments.domain import PaymentView
from mercato.payments.tables import payment_attempts, payments

UNRESOLVED = ("pending", "unknown")

# Statements built once: one built per call costs more Python time than its round trip (docs/checkout.md).
_PAYMENT = select(payments).where(payments.c.id == bindparam("payment_id"))
_PAYMENT_FOR_UPDATE = _PAYMENT.with_for_update()
_INSERT_ATTEMPT = insert(payment_attempts).returning(payment_attempts)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One PSP call (and its replays) as recorded."""

    id: str
    payment_id: str
    operation: str
    provider: str
    idempotency_key: str
    status: str
    amount: int
    psp_reference: str | None
    request: dict[str, Any]
    request_key: str | None
    decline_code: str | None
    error_code: str | None
    result_reference: str | None
    reconcile_tries: int
    created_at: datetime
    updated_at: datetime


class AttemptInFlight(Exception):
    """Another attempt on the same payment is pending or unknown (the one-in-flight index refused this one)."""


def _attempt(row: Any) -> Attempt:
    return Attempt(**{name: getattr(row, name) for name in Attempt.__dataclass_fields__})


def payment_view(row: Any) -> PaymentView:
    """A payments row as the public view."""
    values = {name: getattr(row, name) for name in PaymentView.__dataclass_fields__}
    return PaymentView(**{**values, "merchant_ids": tuple(values["merchant_ids"] or ())})


async def load_payment(conn: AsyncConnection, payment_id: str, *, for_update: bool = False) -> PaymentView:
    """The payment, or NotFound (malformed ids too)."""
    if not is_id_of("payment", payment_id):
        raise NotFound(f"no payment {payment_id}")
    query = _PAYMENT_FOR_UPDATE if for_update else _PAYMENT
    row = (await conn.execute(query, {"payment_id": payment_id})).first()
    if row is None:
        raise NotFound(f"no payment {payment_id}")
    return payment_view(row)


async def insert_attempt(
    conn: AsyncConnection,
    *,
    payment_id: str,
    operation: str,
    provider: str,
    idempotency_key: str,
    amount: int,
    request: dict[str, Any],
    request_key: str | None,
    psp_reference: str | None = None,
    attempt_id: str | None = None,
    savepoint: bool = True,
) -> Attempt:
    """Record an attempt as pending, before its call; AttemptInFlight if another one is unresolved.
    `savepoint=False` saves two round trips where no other attempt can exist (a payment created in the
    same transaction); a conflict then fails the caller's transaction instead."""
    values = {
        "id": attempt_id or new_id("payment_attempt"),
        "payment_id": payment_id,
        "operation": operation,
        "provider": provider,
        "idempotency_key": idempotency_key,
        "amount": amount,
        "request": request,
        "request_key": request_key,
        "psp_reference": psp_reference,
    }
    if not savepoint:
        return _attempt((await conn.execute(_INSERT_ATTEMPT, values)).one())
    try:
        async with conn.begin_nested():
            row = (await conn.execute(_INSERT_ATTEMPT, values)).one()
    except IntegrityError as exc:
        raise AttemptInFlight(payment_id) from exc
    return _attempt(row)


async def get_attempt(conn: AsyncConnection, attempt_id: str, *, for_update: bool = False) -> Attempt | None:
    """An attempt by id."""
    query = select(payment_attempts).where(payment_attempts.c.id == attempt_id)
    row = (await conn.execute(query.with_for_update() if for_update else query)).first()
    return _attempt(row) if row else None


async def unresolved_attempt(conn: AsyncConnection, payment_id: str) -> Attempt | None:
    """The payment's attempt that is pending or unknown (there is at most one)."""
    row = (
        await conn.execute(
            select(payment_attempts).where(
                payment_attempts.c.payment_id == payment_id, payment_attempts.c.status.in_(UNRESOLVED)
            )
        )
    ).first()
    return _attempt(row) if row else None


async def latest_attempt(conn: AsyncConnection, *, payment_id: str, operation: str, request_key: str) -> Attempt | None:
    """The newest attempt made for the caller's key."""
    row = (
        await conn.execute(
            select(payment_attempts)
            .where(
                payment_attempts.c.payment_id == payment_id,
                payment_attempts.c.operation == operation,
                payment_attempts.c.request_key == request_key,
            )
            .order_by(payment_attempts.c.created_at.desc(), payment_attempts.c.id.desc())
            .limit(1)
        )
    ).first()
    return _attempt(row) if row else None


async def count_attempts(conn: AsyncConnection, *, payment_id: str, operation: str) -> int:
    """How many attempts of an operation the payment has had (numbers the next idempotency key)."""
    value = await conn.scalar(
        select(func.count())
        .select_from(payment_attempts)
        .where(payment_attempts.c.payment_id == payment_id, payment_attempts.c.operation == operation)
    )
    return int(value or 0)


def _given_or_kept(column: Column[Any]) -> ColumnElement[Any]:
    """The value bound to `new_<column>`, or the column's current value when that is None."""
    return func.coalesce(bindparam(f"new_{column.name}", type_=column.type), column)


# Built once (a statement built per call costs more Python time than its round trip, docs/checkout.md):
# outcome fields given as None keep what the row holds.
_SETTLE_ATTEMPT = (
    update(payment_attempts)
    .where(payment_attempts.c.id == bindparam("attempt_id"), payment_attempts.c.status.in_(UNRESOLVED))
    .values(
        status=bindparam("new_status"),
        updated_at=func.now(),
        **{
            c.name: _given_or_kept(c)
            for c in (
                payment_attempts.c.resolved_by,
                payment_attempts.c.latency_ms,
                payment_attempts.c.psp_reference,
                payment_attempts.c.result_reference,
                payment_attempts.c.decline_code,
                payment_attempts.c.error_code,
            )
        },
    )
)


async def settle_attempt_row(
    conn: AsyncConnection,
    attempt_id: str,
    *,
    status: str,
    resolved_by: str,
    latency_ms: int | None = None,
    psp_reference: str | None = None,
    result_reference: str | None = None,
    decline_code: str | None = None,
    error_code: str | None = None,
) -> bool:
    """Write an attempt's outcome if it is still unresolved; returns whether this call wrote it."""
    result = await conn.execute(
        _SETTLE_ATTEMPT,
        {
            "attempt_id": attempt_id,
            "new_status": status,
            "new_resolved_by": resolved_by if status != "unknown" else None,
            "new_latency_ms": latency_ms,
            "new_psp_reference": psp_reference,
            "new_result_reference": result_reference,
            "new_decline_code": decline_code,
            "new_error_code": error_code,
        },
    )
    return bool(result.rowcount)
