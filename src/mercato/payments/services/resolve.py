"""Resolving a payment's unresolved attempt before anything new is asked of the PSP.

This is what keeps one payment to one live authorization: no new attempt (least of all on another
provider) starts while an earlier one may have succeeded; the earlier one is replayed with its own
idempotency key first, which either returns its real outcome or proves the PSP is still unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.kernel.errors import PaymentUnavailable, RequestInProgress
from mercato.payments.registry import ProviderRegistry
from mercato.payments.services.attempts import unresolved_attempt
from mercato.payments.services.execution import UNAVAILABLE_ERROR_CODES, Settled, execute_attempt

UNAVAILABLE_CODES = UNAVAILABLE_ERROR_CODES


def unavailable(registry: ProviderRegistry, providers: list[str], detail: str) -> PaymentUnavailable:
    """A 503 telling the caller when trying again makes sense."""
    return PaymentUnavailable(detail, retry_after=registry.breakers.seconds_until_retry(providers))


async def resolve_in_flight(engine: AsyncEngine, registry: ProviderRegistry, *, payment_id: str) -> Settled | None:
    """Settle the payment's pending/unknown attempt by replaying it; None if there was none.

    Raises RequestInProgress if that attempt is still in flight in another request, and
    PaymentUnavailable if its outcome stays unknown (the PSP cannot be asked right now).
    """
    async with engine.connect() as conn:
        attempt = await unresolved_attempt(conn, payment_id)
    if attempt is None:
        return None
    age = (datetime.now(UTC) - attempt.updated_at).total_seconds()
    if attempt.status == "pending" and age < registry.stale_pending_seconds:
        raise RequestInProgress("another request for this payment is talking to the payment provider", retry_after=1)
    settled = await execute_attempt(engine, registry, attempt, first=False, by="replay")
    if settled.status == "unknown":
        raise unavailable(
            registry,
            [attempt.provider],
            "the outcome of an earlier request to the payment provider is not known yet; try again shortly",
        )
    return settled
