"""Writing what the PSP says onto the payment row: adopting the live authorization, taking the PSP's
cumulative amounts, and the `payment.*` events each change emits.

Execution (`execution.py`), webhooks and reconciliation all learn outcomes from the PSP; they write them
through these functions, so a payment's state moves the same way whichever path learned it first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.db.unit_of_work import Tx
from mercato.payments.domain import AUTHORIZABLE, AUTHORIZED, EXPIRED, PaymentView, derive_status
from mercato.payments.providers.base import ProviderPayment
from mercato.payments.services.attempts import Attempt
from mercato.payments.services.reviews import open_review
from mercato.payments.tables import payments

# Built once: a statement built per call costs more Python time than its round trip (docs/checkout.md).
_ADOPT = (
    update(payments)
    .where(payments.c.id == bindparam("payment_id"), payments.c.status.in_(AUTHORIZABLE))
    .values(
        status=AUTHORIZED,
        provider=bindparam("new_provider"),
        psp_reference=bindparam("new_psp_reference"),
        amount_authorized=bindparam("new_amount_authorized"),
        authorized_at=func.now(),
        authorization_expires_at=bindparam("new_authorization_expires_at"),
        updated_at=func.now(),
    )
)


async def adopt_authorization(
    tx: Tx, payment: PaymentView, *, provider: str, view: ProviderPayment, attempt: Attempt | None
) -> bool:
    """Make an authorization the payment's live one if the payment has none yet; returns whether it did.

    An authorization that arrives for a payment that already holds another one (or was voided) is a stray:
    it is left for reconciliation to void, never adopted beside the first.
    """
    if payment.status not in AUTHORIZABLE:
        return False
    await tx.conn.execute(
        _ADOPT,
        {
            "payment_id": payment.id,
            "new_provider": provider,
            "new_psp_reference": view.reference,
            "new_amount_authorized": view.amount,
            "new_authorization_expires_at": view.capture_before,
        },
    )
    tx.emit(
        aggregate="payment",
        aggregate_id=payment.id,
        event_type="payment.authorized",
        payload={**payment_payload(payment, AUTHORIZED), "amount_authorized": view.amount, "provider": provider},
    )
    if view.amount != payment.amount or view.currency != payment.currency:
        await open_review(
            tx.conn,
            payment_id=payment.id,
            reason="amount_mismatch",
            detail=f"asked {payment.amount} {payment.currency}, PSP authorized {view.amount} {view.currency}",
            attempt_id=attempt.id if attempt else None,
            provider=provider,
            psp_reference=view.reference,
        )
    return True


async def apply_view(tx: Tx, payment: PaymentView, view: ProviderPayment) -> str:
    """Bring the payment's amounts and status up to the PSP's cumulative view of its live authorization."""
    if view.reference != payment.psp_reference:
        return payment.status
    captured = max(payment.amount_captured, view.amount_received)
    refunded = max(payment.amount_refunded, view.amount_refunded)
    status = derive_status(
        current=payment.status, psp_state=view.state, amount_captured=captured, amount_refunded=refunded
    )
    if (captured, refunded, status) == (payment.amount_captured, payment.amount_refunded, payment.status):
        return status
    await tx.conn.execute(
        update(payments)
        .where(payments.c.id == payment.id)
        .values(amount_captured=captured, amount_refunded=refunded, status=status, updated_at=func.now())
    )
    if captured > payment.amount_captured:
        tx.emit(
            aggregate="payment",
            aggregate_id=payment.id,
            event_type="payment.captured",
            payload={**payment_payload(payment, status), "amount_captured": captured},
        )
    if status == EXPIRED and payment.status != EXPIRED:
        tx.emit(
            aggregate="payment",
            aggregate_id=payment.id,
            event_type="payment.authorization_expired",
            payload=payment_payload(payment, status),
        )
    return status


async def set_payment_status(conn: AsyncConnection, payment_id: str, status: str) -> None:
    """Set the payment's status alone (a failed or voided authorization: no amounts move)."""
    await conn.execute(update(payments).where(payments.c.id == payment_id).values(status=status, updated_at=func.now()))


def payment_payload(payment: PaymentView, status: str) -> dict[str, Any]:
    """The fields every `payment.*` event carries, with the status the change leaves."""
    return {
        "payment_id": payment.id,
        "checkout_id": payment.checkout_id,
        "order_id": payment.order_id,
        "status": status,
        "currency": payment.currency,
        "amount": payment.amount,
        "amount_authorized": payment.amount_authorized,
        "amount_captured": payment.amount_captured,
        "amount_refunded": payment.amount_refunded,
        "provider": payment.provider,
        "merchant_ids": list(payment.merchant_ids),
    }
