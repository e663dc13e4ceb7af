"""Creating a payment for a checkout, linking it to its order, and reading it back."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ARRAY, Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import Conflict, ValidationFailed
from mercato.kernel.ids import new_id
from mercato.kernel.money import normalize_currency
from mercato.payments.domain import PaymentView
from mercato.payments.services.attempts import load_payment, payment_view
from mercato.payments.tables import payment_attempts, payments


async def create_payment(
    tx: Tx,
    *,
    checkout_id: str,
    user_id: str,
    amount: int,
    currency: str,
    merchant_ids: Sequence[str] = (),
) -> str:
    """The payment for a checkout (created once: the same checkout gets the same payment back).
    `merchant_ids`: the merchants it pays, named by its events (payments knows no merchants itself)."""
    payment_id, _ = await create_or_get_payment(
        tx, checkout_id=checkout_id, user_id=user_id, amount=amount, currency=currency, merchant_ids=merchant_ids
    )
    return payment_id


# Statements built once: one built per call costs more Python time than its round trip (docs/checkout.md).
_CREATE = insert(payments).on_conflict_do_nothing(index_elements=["checkout_id"]).returning(payments.c.id)
_BY_CHECKOUT = select(payments).where(payments.c.checkout_id == bindparam("checkout_id"))
_BY_CHECKOUTS = select(payments).where(payments.c.checkout_id == func.any(bindparam("checkout_ids", type_=ARRAY(Text))))
_ATTACH_ORDER = (
    update(payments)
    .where(payments.c.id == bindparam("payment_id"), payments.c.order_id.is_(None))
    .values(order_id=bindparam("new_order_id"), updated_at=func.now())
)


async def create_or_get_payment(
    tx: Tx,
    *,
    checkout_id: str,
    user_id: str,
    amount: int,
    currency: str,
    merchant_ids: Sequence[str] = (),
) -> tuple[str, bool]:
    """The checkout's payment id, and whether this call created it."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValidationFailed("amount must be a positive integer of minor units", field="amount")
    try:
        currency = normalize_currency(currency)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="currency") from exc
    inserted = await tx.conn.scalar(
        _CREATE,
        {
            "id": new_id("payment"),
            "checkout_id": checkout_id,
            "user_id": user_id,
            "amount": amount,
            "currency": currency,
            "merchant_ids": sorted(set(merchant_ids)),
        },
    )
    if inserted:
        return str(inserted), True
    row = (await tx.conn.execute(_BY_CHECKOUT, {"checkout_id": checkout_id})).one()
    if (row.amount, row.currency, row.user_id) != (amount, currency, user_id):
        raise Conflict("this checkout already has a payment for another amount, currency or customer")
    return str(row.id), False


async def attach_order(tx: Tx, *, payment_id: str, order_id: str) -> None:
    """Record the order the payment pays for: from then on reconciliation never voids its authorization.
    An unknown payment is NotFound; one already tied to an order keeps it."""
    result = await tx.conn.execute(_ATTACH_ORDER, {"payment_id": payment_id, "new_order_id": order_id})
    if result.rowcount != 1:
        await load_payment(tx.conn, payment_id)  # NotFound when it does not exist; else it had an order


async def get_payment(conn: AsyncConnection, *, payment_id: str) -> PaymentView:
    """A payment by id (NotFound for unknown or malformed ids)."""
    return await load_payment(conn, payment_id)


async def get_payment_by_checkout(conn: AsyncConnection, *, checkout_id: str) -> PaymentView | None:
    """The payment of a checkout, if one was created."""
    row = (await conn.execute(_BY_CHECKOUT, {"checkout_id": checkout_id})).first()
    return payment_view(row) if row else None


async def get_payments_by_checkouts(conn: AsyncConnection, *, checkout_ids: Sequence[str]) -> dict[str, PaymentView]:
    """The payments of several checkouts in one statement (a page of orders), by checkout id; a checkout
    without a payment is left out."""
    if not checkout_ids:
        return {}
    rows = await conn.execute(_BY_CHECKOUTS, {"checkout_ids": list(checkout_ids)})
    return {row.checkout_id: payment_view(row) for row in rows}


async def list_attempts(conn: AsyncConnection, *, payment_id: str) -> list[dict[str, object]]:
    """Every attempt of a payment, oldest first, for administrators."""
    await load_payment(conn, payment_id)
    rows = await conn.execute(
        select(
            payment_attempts.c.id,
            payment_attempts.c.operation,
            payment_attempts.c.provider,
            payment_attempts.c.status,
            payment_attempts.c.amount,
            payment_attempts.c.psp_reference,
            payment_attempts.c.decline_code,
            payment_attempts.c.error_code,
            payment_attempts.c.latency_ms,
            payment_attempts.c.resolved_by,
            payment_attempts.c.created_at,
        )
        .where(payment_attempts.c.payment_id == payment_id)
        .order_by(payment_attempts.c.created_at, payment_attempts.c.id)
    )
    return [dict(row._mapping) for row in rows]


async def request_void(engine: AsyncEngine, *, payment_id: str) -> None:
    """Ask reconciliation to void this payment as soon as its outcome is known, without the orphan grace.

    The checkout saga calls this when its compensation could not void at once (the PSP's answer to the
    authorization is still unknown): the authorization that may exist is then released promptly.
    """
    async with engine.begin() as conn:
        await conn.execute(
            update(payments)
            .where(payments.c.id == payment_id, payments.c.void_requested_at.is_(None))
            .values(void_requested_at=func.now(), updated_at=func.now())
        )
