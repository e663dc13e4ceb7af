"""Reconciliation, the worker job that settles what a timeout or a crash left open.

Each run, safe to run in parallel in several workers:
1. unknown attempts (and pending ones abandoned by a crashed process) are replayed with their own
   idempotency key; what stays unknown is retried with backoff and, after `max_tries`, queued for review;
2. stray authorizations (a late success on a payment that holds another authorization or was closed)
   are voided;
3. orphan authorizations (no order attached after the grace period: the checkout was abandoned) are voided;
4. authorizations past their expiry are re-read from the PSP and marked expired; an order's is queued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import structlog
from sqlalchemy import Select, and_, exists, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.config import Settings
from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.clock import Clock
from mercato.kernel.errors import DomainError
from mercato.payments.domain import AUTHORIZED, CAPTURABLE, EXPIRED
from mercato.payments.providers.base import ProviderError
from mercato.payments.registry import ProviderRegistry
from mercato.payments.services.attempts import Attempt, AttemptInFlight, insert_attempt, load_payment
from mercato.payments.services.execution import execute_attempt
from mercato.payments.services.money_movement import void_payment
from mercato.payments.services.payment_state import apply_view
from mercato.payments.services.resolve import UNAVAILABLE_CODES
from mercato.payments.services.reviews import open_review
from mercato.payments.tables import payment_attempts, payments

logger = structlog.get_logger("mercato.payments.reconciliation")


@dataclass(frozen=True, slots=True)
class ReconcilePolicy:
    """How patient reconciliation is."""

    orphan_grace_seconds: float = 1800.0
    max_tries: int = 8
    base_backoff_seconds: float = 5.0
    max_backoff_seconds: float = 600.0
    batch: int = 50

    @classmethod
    def from_settings(cls, settings: Settings) -> ReconcilePolicy:
        """The policy the settings describe."""
        return cls(
            orphan_grace_seconds=settings.payment_orphan_grace_seconds, max_tries=settings.payment_reconcile_max_tries
        )


@dataclass(slots=True)
class ReconcileReport:
    """What one run did."""

    resolved: int = 0
    still_unknown: int = 0
    reviews_opened: int = 0
    strays_voided: int = 0
    orphans_voided: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many things the run changed."""
        return self.resolved + self.reviews_opened + self.strays_voided + self.orphans_voided + self.expired


async def reconcile_payments(
    engine: AsyncEngine, registry: ProviderRegistry, *, clock: Clock, policy: ReconcilePolicy | None = None
) -> ReconcileReport:
    """One reconciliation pass; see the module docstring."""
    policy = policy or ReconcilePolicy()
    report = ReconcileReport()
    await _resolve_unknown(engine, registry, clock, policy, report)
    await _void_strays(engine, registry, report)
    await _void_orphans(engine, registry, clock, policy, report)
    await _detect_expired(engine, registry, clock, policy, report)
    async with engine.connect() as conn:
        unknown = await conn.scalar(
            select(func.count()).select_from(payment_attempts).where(payment_attempts.c.status == "unknown")
        )
    registry.metrics.unknown_attempts.set(int(unknown or 0))
    return report


async def _claim_unresolved(
    engine: AsyncEngine, registry: ProviderRegistry, clock: Clock, policy: ReconcilePolicy
) -> list[Attempt]:
    now = clock.now()
    stale = now - timedelta(seconds=registry.stale_pending_seconds)
    due = (
        select(payment_attempts.c.id)
        .where(
            or_(
                payment_attempts.c.status == "unknown",
                and_(payment_attempts.c.status == "pending", payment_attempts.c.updated_at < stale),
            ),
            or_(payment_attempts.c.next_reconcile_at.is_(None), payment_attempts.c.next_reconcile_at <= now),
        )
        .order_by(payment_attempts.c.updated_at)
        .limit(policy.batch)
        .with_for_update(skip_locked=True)
    )
    lease = now + timedelta(seconds=max(60.0, registry.stale_pending_seconds))
    async with engine.begin() as conn:
        rows = await conn.execute(
            update(payment_attempts)
            .where(payment_attempts.c.id.in_(due.scalar_subquery()))
            .values(next_reconcile_at=lease, reconcile_tries=payment_attempts.c.reconcile_tries + 1)
            .returning(payment_attempts)
        )
        claimed = [Attempt(**{n: getattr(r, n) for n in Attempt.__dataclass_fields__}) for r in rows]
    return claimed


async def _resolve_unknown(
    engine: AsyncEngine, registry: ProviderRegistry, clock: Clock, policy: ReconcilePolicy, report: ReconcileReport
) -> None:
    for attempt in await _claim_unresolved(engine, registry, clock, policy):
        settled = await execute_attempt(engine, registry, attempt, first=False, by="reconciliation")
        if settled.status != "unknown":
            report.resolved += 1
            continue
        report.still_unknown += 1
        backoff = min(policy.base_backoff_seconds * 2 ** (attempt.reconcile_tries - 1), policy.max_backoff_seconds)
        async with unit_of_work(engine) as tx:
            await tx.conn.execute(
                update(payment_attempts)
                .where(payment_attempts.c.id == attempt.id)
                .values(next_reconcile_at=clock.now() + timedelta(seconds=backoff))
            )
            if attempt.reconcile_tries >= policy.max_tries and await open_review(
                tx.conn,
                payment_id=attempt.payment_id,
                reason="unresolved_attempt",
                detail=f"{attempt.operation} at {attempt.provider} still unknown after {attempt.reconcile_tries}"
                f" tries (last error: {settled.error.code if settled.error else 'none'})",
                attempt_id=attempt.id,
                provider=attempt.provider,
                psp_reference=attempt.psp_reference,
            ):
                report.reviews_opened += 1


def _stray_query() -> Select[Any]:
    voids = payment_attempts.alias("voids")
    live = and_(
        payments.c.provider == payment_attempts.c.provider,
        payments.c.psp_reference == payment_attempts.c.psp_reference,
        payments.c.status != "voided",
    )
    settled_void = exists().where(
        voids.c.payment_id == payment_attempts.c.payment_id,
        voids.c.operation == "void",
        voids.c.psp_reference == payment_attempts.c.psp_reference,
        or_(voids.c.status != "failed", voids.c.error_code.not_in(UNAVAILABLE_CODES)),
    )
    return (
        select(payment_attempts)
        .join(payments, payments.c.id == payment_attempts.c.payment_id)
        .where(
            payment_attempts.c.operation == "authorize",
            payment_attempts.c.status == "succeeded",
            payment_attempts.c.psp_reference.is_not(None),
            not_(live),
            payments.c.status != EXPIRED,
            not_(settled_void),
        )
        .limit(50)
    )


async def _void_strays(engine: AsyncEngine, registry: ProviderRegistry, report: ReconcileReport) -> None:
    async with engine.connect() as conn:
        strays = [
            Attempt(**{n: getattr(r, n) for n in Attempt.__dataclass_fields__})
            for r in await conn.execute(_stray_query())
        ]
    for stray in strays:
        try:
            async with unit_of_work(engine) as tx:
                number = await tx.conn.scalar(
                    select(func.count())
                    .select_from(payment_attempts)
                    .where(payment_attempts.c.payment_id == stray.payment_id, payment_attempts.c.operation == "void")
                )
                void = await insert_attempt(
                    tx.conn,
                    payment_id=stray.payment_id,
                    operation="void",
                    provider=stray.provider,
                    idempotency_key=f"{stray.id}:void:{int(number or 0) + 1}",
                    amount=stray.amount,
                    request={},
                    request_key=f"stray:{stray.id}",
                    psp_reference=stray.psp_reference,
                )
        except AttemptInFlight:
            continue  # the payment is busy; next run
        settled = await execute_attempt(engine, registry, void, first=True, by="reconciliation")
        if settled.status == "succeeded":
            report.strays_voided += 1
        elif settled.status == "failed" and settled.error and settled.error.code not in UNAVAILABLE_CODES:
            async with unit_of_work(engine) as tx:
                if await open_review(
                    tx.conn,
                    payment_id=stray.payment_id,
                    reason="stray_authorization",
                    detail=f"an authorization no order needs could not be voided ({settled.error.code})",
                    attempt_id=stray.id,
                    provider=stray.provider,
                    psp_reference=stray.psp_reference,
                ):
                    report.reviews_opened += 1


async def _void_orphans(
    engine: AsyncEngine, registry: ProviderRegistry, clock: Clock, policy: ReconcilePolicy, report: ReconcileReport
) -> None:
    cutoff = clock.now() - timedelta(seconds=policy.orphan_grace_seconds)
    async with engine.connect() as conn:
        orphan_ids = list(
            await conn.scalars(
                select(payments.c.id)
                .where(
                    payments.c.status == AUTHORIZED,
                    payments.c.order_id.is_(None),
                    (payments.c.authorized_at <= cutoff) | payments.c.void_requested_at.is_not(None),
                )
                .limit(policy.batch)
            )
        )
    for payment_id in orphan_ids:
        try:
            await void_payment(engine, registry, payment_id=payment_id)
            report.orphans_voided += 1
        except DomainError as exc:
            report.errors.append(f"{payment_id}: {exc.code}")
            logger.warning("orphan_void_failed", payment_id=payment_id, code=exc.code)


async def _detect_expired(
    engine: AsyncEngine, registry: ProviderRegistry, clock: Clock, policy: ReconcilePolicy, report: ReconcileReport
) -> None:
    async with engine.connect() as conn:
        due = list(
            await conn.execute(
                select(payments.c.id, payments.c.provider, payments.c.psp_reference)
                .where(payments.c.status.in_(CAPTURABLE), payments.c.authorization_expires_at <= clock.now())
                .limit(policy.batch)
            )
        )
    for payment_id, provider_name, reference in due:
        provider = registry.get(provider_name)
        if provider is None:
            continue
        try:
            view = await registry.call(provider_name, "retrieve", partial(provider.retrieve, reference))
        except ProviderError as exc:
            report.errors.append(f"{payment_id}: {exc.code}")
            continue
        async with unit_of_work(engine) as tx:
            payment = await load_payment(tx.conn, payment_id, for_update=True)
            status = await apply_view(tx, payment, view)
            if status == EXPIRED and payment.status != EXPIRED:
                report.expired += 1
                if payment.order_id and await open_review(
                    tx.conn,
                    payment_id=payment_id,
                    reason="authorization_expired",
                    detail=f"the authorization of order {payment.order_id} expired before it was captured",
                    provider=provider_name,
                    psp_reference=reference,
                ):
                    report.reviews_opened += 1


def reconciliation_job(settings: Settings) -> Callable[[AsyncEngine, Clock], Awaitable[int]]:
    """The worker's periodic job: builds its provider registry on first run and keeps it."""
    state: dict[str, ProviderRegistry] = {}

    async def run(engine: AsyncEngine, clock: Clock) -> int:
        if "registry" not in state:
            state["registry"] = ProviderRegistry.from_settings(settings)
        report = await reconcile_payments(
            engine, state["registry"], clock=clock, policy=ReconcilePolicy.from_settings(settings)
        )
        return report.total

    return run
