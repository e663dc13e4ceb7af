"""Pure rules of payments: statuses and how PSP views move them, what a token may look like, result types.

No I/O. A payment's status only moves forward (by rank), and its amounts only grow, so applying the
same PSP view twice — the synchronous answer and its webhook, in either order — changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from mercato.kernel.card_numbers import find_card_numbers

PENDING = "pending"
AUTHORIZED = "authorized"
PARTIALLY_CAPTURED = "partially_captured"
CAPTURED = "captured"
VOIDED = "voided"
EXPIRED = "expired"
PARTIALLY_REFUNDED = "partially_refunded"
REFUNDED = "refunded"
FAILED = "failed"

# Where a payment is on its way; a PSP view never moves it backwards.
STATUS_RANK: dict[str, int] = {
    PENDING: 0,
    FAILED: 0,
    AUTHORIZED: 1,
    PARTIALLY_CAPTURED: 2,
    CAPTURED: 3,
    VOIDED: 3,
    EXPIRED: 3,
    PARTIALLY_REFUNDED: 4,
    REFUNDED: 5,
}
# Statuses in which the payment holds a live authorization or captured money.
HOLDS_AUTHORIZATION = frozenset({AUTHORIZED, PARTIALLY_CAPTURED, CAPTURED, PARTIALLY_REFUNDED, REFUNDED})
CAPTURABLE = frozenset({AUTHORIZED, PARTIALLY_CAPTURED})
REFUNDABLE = frozenset({PARTIALLY_CAPTURED, CAPTURED, PARTIALLY_REFUNDED})
AUTHORIZABLE = frozenset({PENDING, FAILED})

_TOKEN = re.compile(r"^pm_[A-Za-z0-9_]{1,200}$")


def is_payment_method_token(value: str) -> bool:
    """Whether `value` has the shape of a PSP payment method token (and is certainly not a card number)."""
    return bool(_TOKEN.match(value)) and not find_card_numbers(value)


def derive_status(
    *,
    current: str,
    psp_state: str,
    amount_captured: int,
    amount_refunded: int,
) -> str:
    """The payment status a PSP view implies, never behind `current`.

    `psp_state` is the provider's normalised state (authorized, captured, canceled: released on request,
    expired: released by the PSP because it was not captured in time), or `refund_update`
    for a view that only knows refunded amounts (a refund's answer, a charge event).
    """
    if psp_state == "refund_update" and current == PARTIALLY_CAPTURED:
        psp_state = AUTHORIZED  # a multicapture payment keeps its capturable remainder after a refund
    if amount_refunded > 0:
        implied = REFUNDED if amount_refunded >= amount_captured and psp_state != AUTHORIZED else PARTIALLY_REFUNDED
    elif amount_captured > 0:
        implied = PARTIALLY_CAPTURED if psp_state == AUTHORIZED else CAPTURED
    elif psp_state == "canceled":
        implied = current if current == EXPIRED else VOIDED
    elif psp_state == "expired":
        implied = current if current == VOIDED else EXPIRED
    elif psp_state in (AUTHORIZED, "refund_update"):
        implied = AUTHORIZED
    else:
        implied = current
    return implied if STATUS_RANK[implied] > STATUS_RANK[current] else current


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A payment as other contexts see it."""

    id: str
    checkout_id: str | None
    order_id: str | None
    user_id: str
    amount: int
    currency: str
    status: str
    amount_authorized: int
    amount_captured: int
    amount_refunded: int
    provider: str | None
    psp_reference: str | None
    authorization_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    merchant_ids: tuple[str, ...] = ()  # whom the payment pays: its events name them for the SLIs


@dataclass(frozen=True, slots=True)
class AuthorizationResult:
    """A live authorization: who holds it, for how much, until when."""

    payment_id: str
    provider: str
    psp_reference: str
    amount_authorized: int
    currency: str
    expires_at: datetime | None
