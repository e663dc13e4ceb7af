"""PSP webhooks: verified with the provider's own signature check, applied once, never calling the PSP.

A webhook only ever records what already happened at the PSP: it may settle an attempt whose answer
has not arrived yet (the race where the webhook beats the synchronous response), adopt the
authorization it reports, or bring cumulative amounts up to date. It never captures, voids or refunds,
so no ordering of webhook and response — before, after, twice — can move money a second time.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.kernel.errors import InvalidWebhookSignature, NotFound
from mercato.kernel.ids import is_id_of
from mercato.payments.providers.base import ProviderEvent, ProviderPayment, WebhookSignatureInvalid
from mercato.payments.registry import ProviderRegistry
from mercato.payments.services.attempts import get_attempt, load_payment
from mercato.payments.services.execution import settle
from mercato.payments.services.payment_state import apply_view
from mercato.payments.tables import payments, psp_webhook_events


async def receive_psp_webhook(
    engine: AsyncEngine, registry: ProviderRegistry, *, provider: str, payload: bytes, signature: str | None
) -> str:
    """Verify and apply one webhook; returns what it did (`applied`, `duplicate`, `ignored`, `unknown_payment`)."""
    source = registry.get(provider)
    if source is None:
        raise NotFound(f"no payment provider {provider}")
    try:
        event = source.verify_webhook(payload, signature)
    except WebhookSignatureInvalid as exc:
        raise InvalidWebhookSignature(str(exc)) from exc
    async with unit_of_work(engine) as tx:
        first_time = await tx.conn.scalar(
            insert(psp_webhook_events)
            .values(
                provider=provider,
                event_id=event.id,
                event_type=event.type,
                psp_reference=event.payment.reference if event.payment else None,
                outcome="received",
            )
            .on_conflict_do_nothing()
            .returning(psp_webhook_events.c.event_id)
        )
        if first_time is None:
            return "duplicate"
        outcome = await _apply(tx, registry, provider, event)
        await tx.conn.execute(
            update(psp_webhook_events)
            .where(psp_webhook_events.c.provider == provider, psp_webhook_events.c.event_id == event.id)
            .values(outcome=outcome)
        )
    return outcome


async def _find_payment_id(tx: Tx, provider: str, view: ProviderPayment) -> str | None:
    found = await tx.conn.scalar(
        select(payments.c.id).where(payments.c.provider == provider, payments.c.psp_reference == view.reference)
    )
    if found:
        return str(found)
    candidate = view.metadata.get("payment_id", "")
    return candidate if is_id_of("payment", candidate) else None


async def _apply(tx: Tx, registry: ProviderRegistry, provider: str, event: ProviderEvent) -> str:
    view = event.payment
    if view is None:
        return "ignored"
    payment_id = await _find_payment_id(tx, provider, view)
    if payment_id is None:
        return "unknown_payment"
    try:
        payment = await load_payment(tx.conn, payment_id, for_update=True)
    except NotFound:
        return "unknown_payment"
    attempt_id = view.metadata.get("attempt_id")
    if attempt_id and event.type.startswith("payment_intent."):
        attempt = await get_attempt(tx.conn, attempt_id)
        if (
            attempt is not None
            and attempt.payment_id == payment.id
            and attempt.provider == provider
            and attempt.operation == "authorize"
            and attempt.status in ("pending", "unknown")
            and view.state != "pending"
        ):
            await settle(tx, registry, attempt, view, None, first=False, by="webhook")
            payment = await load_payment(tx.conn, payment_id, for_update=True)
    await apply_view(tx, payment, view)
    return "applied"
