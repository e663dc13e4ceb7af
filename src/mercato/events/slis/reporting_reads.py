"""Read-only reporting queries across contexts: the SLI figures that today's events cannot attribute to a
merchant (checkouts, PSP authorizations and captures, reservations).

This is the one place outside a context that reads its tables, and it only reads: it exists because the
payments context does not know merchants (its events carry no `merchant_ids`) and the checkout saga and
inventory do not yet emit `checkout.started`, `payment.failed` or `reservation.*`. When they do (see
docs/events.md), these figures move to the SLI consumer's facts and this module goes away. The tables read:
checkout_sessions (checkout), carts/cart_lines (cart), skus (catalog), payments/payment_attempts
(payments), reservations (inventory). A schema change there must update these queries; the SLI tests run
the real tables, so such a change fails a test rather than a dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# The checkouts that involved the merchant: sessions whose cart held one of the merchant's SKUs.
_MERCHANT_CHECKOUTS = """
    SELECT DISTINCT cs.id, cs.status, cs.created_at
    FROM checkout_sessions cs
    JOIN cart_lines cl ON cl.cart_id = cs.cart_id AND NOT cl.saved_for_later
    JOIN skus s ON s.id = cl.sku_id
    WHERE s.merchant_id = :merchant
"""

_CHECKOUTS = text(
    f"""
    WITH mc AS ({_MERCHANT_CHECKOUTS} AND cs.created_at > :start AND cs.created_at <= :now)
    SELECT count(*) AS started, count(*) FILTER (WHERE status = 'failed') AS failed FROM mc
    """
)

_PAYMENTS = text(
    f"""
    WITH mc AS ({_MERCHANT_CHECKOUTS})
    SELECT
      count(*) FILTER (WHERE pa.operation = 'authorize' AND pa.status = 'succeeded') AS auth_ok,
      count(*) FILTER (WHERE pa.operation = 'authorize' AND pa.status = 'failed') AS auth_failed,
      count(*) FILTER (WHERE pa.operation = 'capture' AND pa.status = 'succeeded') AS capture_ok,
      count(*) FILTER (WHERE pa.operation = 'capture' AND pa.status = 'failed') AS capture_failed,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY pa.latency_ms)
        FILTER (WHERE pa.latency_ms IS NOT NULL) AS latency_p95
    FROM payment_attempts pa
    JOIN payments p ON p.id = pa.payment_id
    JOIN mc ON mc.id = p.checkout_id
    WHERE pa.created_at > :start AND pa.created_at <= :now
    """
)

# A reservation ended in the window: committed, released early (failure, cancel) or released by the TTL
# sweeper (released at or after its expiry).
_RESERVATIONS = text(
    """
    SELECT
      count(*) FILTER (WHERE r.status = 'committed') AS committed,
      count(*) FILTER (WHERE r.status = 'released' AND r.updated_at < r.expires_at) AS released,
      count(*) FILTER (WHERE r.status = 'released' AND r.updated_at >= r.expires_at) AS expired
    FROM reservations r
    JOIN skus s ON s.id = r.sku_id
    WHERE s.merchant_id = :merchant AND r.status <> 'active' AND r.updated_at > :start AND r.updated_at <= :now
    """
)


@dataclass(frozen=True, slots=True)
class ReportedFigures:
    checkouts_started: int
    checkouts_failed: int
    authorizations_succeeded: int
    authorizations_failed: int
    captures_succeeded: int
    captures_failed: int
    reservations_committed: int
    reservations_released: int
    reservations_expired: int
    psp_latency_p95_ms: float | None


async def reported_figures(
    conn: AsyncConnection, *, merchant_id: str, start: datetime, now: datetime
) -> ReportedFigures:
    """The merchant's checkout, payment and reservation figures in `(start, now]`."""
    params = {"merchant": merchant_id, "start": start, "now": now}
    checkouts = (await conn.execute(_CHECKOUTS, params)).one()
    pay = (await conn.execute(_PAYMENTS, params)).one()
    res = (await conn.execute(_RESERVATIONS, params)).one()
    return ReportedFigures(
        checkouts_started=checkouts.started,
        checkouts_failed=checkouts.failed,
        authorizations_succeeded=pay.auth_ok,
        authorizations_failed=pay.auth_failed,
        captures_succeeded=pay.capture_ok,
        captures_failed=pay.capture_failed,
        reservations_committed=res.committed,
        reservations_released=res.released,
        reservations_expired=res.expired,
        psp_latency_p95_ms=round(float(pay.latency_p95), 1) if pay.latency_p95 is not None else None,
    )
