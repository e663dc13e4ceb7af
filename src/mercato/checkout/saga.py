"""The saga runner: runs steps in order, persists progress after each, compensates in reverse on failure.

The step that fails (or was running when the process died) is compensated too, since it may have
left effects before failing; every compensation therefore tolerates a step that never ran.

Each step records its completion in the same transaction as its own writes where it has any (via
`record_step`), so "done" in the session row always means "its effects are durable". A crash leaves a
session whose lease runs out: a retry with the same Idempotency-Key resumes it, or the recovery job
compensates it. Compensations must be idempotent, since a crash during compensation repeats them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import structlog
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mercato.checkout.tables import checkout_sessions
from mercato.db.unit_of_work import Tx, single_statements
from mercato.kernel.clock import Clock
from mercato.kernel.errors import DomainError, RequestInProgress
from mercato.kernel.ids import new_id

logger = structlog.get_logger("mercato.checkout")

# The stage of checkout.failed each step stands for (the stage the client's problem arose in).
# `prepare` records which of its parts (validate, reserve, price, authorize) it was in, in state["stage"].
STAGES = {"authorize_payment": "authorize", "create_order": "confirm"}

# Statements built once: one built per call costs more Python time than its round trip (docs/checkout.md).
_START = insert(checkout_sessions).on_conflict_do_nothing().returning(checkout_sessions)
_RECORD_STEP = (
    update(checkout_sessions)
    .where(checkout_sessions.c.id == bindparam("session_id"))
    .values(
        steps_done=bindparam("new_steps"),
        state=bindparam("new_state"),
        lease_until=bindparam("new_lease"),
        updated_at=func.now(),
    )
)


@dataclass
class SagaContext:
    """One checkout attempt: its id, who, and the JSON state the steps build up."""

    session_id: str
    user_id: str
    cart_id: str
    done: list[str]
    state: dict[str, Any] = field(default_factory=dict)
    status: str = "running"
    order_id: str | None = None
    error: dict[str, Any] | None = None
    # Hand-offs between steps within this process (never persisted): a resumed session runs without them.
    transient: dict[str, Any] = field(default_factory=dict)


class SagaStep(Protocol):
    """A step: `run` does it (idempotently), `compensate` undoes it (idempotently)."""

    name: str
    records_itself: bool  # True when run() calls record_step inside its own transaction

    async def run(self, ctx: SagaContext) -> None: ...

    async def compensate(self, ctx: SagaContext) -> None: ...


async def record_step(conn: AsyncConnection, ctx: SagaContext, step: str, *, lease: timedelta, clock: Clock) -> None:
    """Mark `step` done and save the state, in the caller's transaction (so it commits with the step's writes)."""
    if step not in ctx.done:
        ctx.done.append(step)
    await conn.execute(
        _RECORD_STEP,
        {"session_id": ctx.session_id, "new_steps": ctx.done, "new_state": ctx.state, "new_lease": clock.now() + lease},
    )


@dataclass
class SagaRunner:
    """Starts, resumes, runs and compensates checkout sessions for one list of steps."""

    engine: AsyncEngine
    steps: Sequence[SagaStep]
    clock: Clock
    lease: timedelta = timedelta(seconds=30)

    async def start_or_resume(
        self, *, user_id: str, idempotency_key: str, cart_id: str, state: dict[str, Any] | None = None
    ) -> SagaContext:
        """The session for (user, key): a new one (starting from `state`), or an abandoned one claimed
        for resumption, or a finished one (completed or failed) as it ended."""
        now = self.clock.now()
        # The common case, a new session, is one INSERT: it commits alone, without BEGIN/COMMIT round trips.
        async with single_statements(self.engine) as conn:
            created = (
                await conn.execute(
                    _START,
                    {
                        "id": new_id("checkout"),
                        "user_id": user_id,
                        "idempotency_key": idempotency_key,
                        "cart_id": cart_id,
                        "state": state or {},
                        "lease_until": now + self.lease,
                    },
                )
            ).one_or_none()
        if created is not None:
            return _context(created)
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(checkout_sessions)
                    .where(
                        and_(
                            checkout_sessions.c.user_id == user_id,
                            checkout_sessions.c.idempotency_key == idempotency_key,
                        )
                    )
                    .with_for_update()
                )
            ).one()
            if row.status in ("running", "compensating"):
                if row.lease_until > now:
                    raise RequestInProgress("this checkout is still running", retry_after=1)
                await conn.execute(
                    update(checkout_sessions)
                    .where(checkout_sessions.c.id == row.id)
                    .values(lease_until=now + self.lease, updated_at=func.now())
                )
            return _context(row)

    async def run(self, ctx: SagaContext) -> SagaContext:
        """Run the remaining steps; on any failure compensate what was done and re-raise."""
        for step in self.steps:
            if step.name in ctx.done:
                continue
            try:
                await step.run(ctx)
                if not step.records_itself:
                    async with self.engine.begin() as conn:
                        await record_step(conn, ctx, step.name, lease=self.lease, clock=self.clock)
            except Exception as exc:
                # Cancellation and crashes are not caught: the lease runs out and recovery compensates.
                await self.compensate(ctx, error=exc)
                raise
        return ctx

    def _to_undo(self, ctx: SagaContext) -> list[SagaStep]:
        """The completed steps and the one that was running when it failed or crashed (it may have left
        effects, e.g. an authorization whose answer was lost), newest first."""
        undo: list[SagaStep] = []
        for step in self.steps:
            undo.append(step)
            if step.name not in ctx.done:
                break
        return list(reversed(undo))

    async def compensate(self, ctx: SagaContext, *, error: BaseException | None) -> None:
        """Undo the steps in reverse order, persisting progress, then mark the session failed."""
        problem = _problem_of(error)
        undo = self._to_undo(ctx)
        stage = (STAGES.get(undo[0].name) or ctx.state.get("stage", "validate")) if undo else None
        await self._set_status(ctx, "compensating", problem)
        for step in undo:
            await step.compensate(ctx)
            if step.name in ctx.done:
                ctx.done.remove(step.name)
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(checkout_sessions)
                    .where(checkout_sessions.c.id == ctx.session_id)
                    .values(steps_done=ctx.done, state=ctx.state, updated_at=func.now())
                )
        await self._set_status(ctx, "failed", problem, failed_stage=stage)
        if problem and problem.get("retryable"):
            await self._free_key(ctx)

    async def _free_key(self, ctx: SagaContext) -> None:
        """A retryable failure is not the key's final answer: move the session aside so a retry with the
        same Idempotency-Key starts a fresh attempt (a new holder of stock, a new payment)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(checkout_sessions)
                .where(checkout_sessions.c.id == ctx.session_id)
                .values(idempotency_key=checkout_sessions.c.idempotency_key + "#retried-" + ctx.session_id)
            )

    async def _set_status(
        self, ctx: SagaContext, status: str, problem: dict[str, Any] | None, *, failed_stage: str | None = None
    ) -> None:
        """Persist the session's status; the final `failed` also emits checkout.failed in the same commit
        (and checkout.started, when the session failed before the reserve step could emit it)."""
        ctx.status, ctx.error = status, problem
        async with self.engine.begin() as conn:
            tx = Tx(conn)
            if failed_stage is not None:
                emit_failed(tx, ctx, stage=failed_stage, code=(problem or {}).get("code", "internal-error"))
            await tx.flush_events()
            await conn.execute(
                update(checkout_sessions)
                .where(checkout_sessions.c.id == ctx.session_id)
                .values(
                    status=status,
                    error=problem,
                    lease_until=self.clock.now() + self.lease,
                    updated_at=func.now(),
                )
            )

    async def recover_abandoned(self, *, batch: int = 20) -> int:
        """Compensate sessions whose process died (lease ran out) and nobody resumed; returns how many."""
        now = self.clock.now()
        async with self.engine.begin() as conn:
            rows = list(
                await conn.execute(
                    select(checkout_sessions)
                    .where(
                        and_(
                            checkout_sessions.c.status.in_(("running", "compensating")),
                            checkout_sessions.c.lease_until < now,
                        )
                    )
                    .order_by(checkout_sessions.c.lease_until)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                await conn.execute(
                    update(checkout_sessions)
                    .where(checkout_sessions.c.id == row.id)
                    .values(lease_until=now + self.lease, updated_at=func.now())
                )
        for row in rows:
            ctx = _context(row)
            logger.warning("checkout_recovered", session_id=ctx.session_id, steps_done=ctx.done)
            await self.compensate(ctx, error=None)
        return len(rows)


def emit_started(tx: Tx, ctx: SagaContext) -> None:
    """checkout.started, once per session: the reserve step emits it with its hold (so it costs the
    checkout no statement of its own); a session that fails before that emits it with its failure."""
    ctx.state["started"] = True
    tx.emit(
        aggregate="checkout",
        aggregate_id=ctx.session_id,
        event_type="checkout.started",
        payload={
            "checkout_id": ctx.session_id,
            "user_id": ctx.user_id,
            "cart_id": ctx.cart_id,
            "currency": ctx.state.get("currency") or "",
            "merchant_ids": ctx.state.get("merchant_ids", []),
        },
    )


def emit_failed(tx: Tx, ctx: SagaContext, *, stage: str, code: str) -> None:
    """checkout.failed for a session that ended compensated (preceded by checkout.started if it never was)."""
    if not ctx.state.get("started"):
        emit_started(tx, ctx)
    tx.emit(
        aggregate="checkout",
        aggregate_id=ctx.session_id,
        event_type="checkout.failed",
        payload={
            "checkout_id": ctx.session_id,
            "user_id": ctx.user_id,
            "code": code,
            "stage": stage,
            "merchant_ids": ctx.state.get("merchant_ids", []),
        },
    )


def _context(row: Any) -> SagaContext:
    return SagaContext(
        session_id=row.id,
        user_id=row.user_id,
        cart_id=row.cart_id,
        done=list(row.steps_done),
        state=dict(row.state),
        status=row.status,
        order_id=row.order_id,
        error=row.error,
    )


def _problem_of(error: BaseException | None) -> dict[str, Any] | None:
    if error is None:
        return {"code": "abandoned", "detail": "the checkout was interrupted and has been rolled back"}
    if isinstance(error, DomainError):
        problem = {"code": error.code, "status": error.status, "title": error.title, "detail": error.detail}
        if error.retryable is not None:
            problem["retryable"] = error.retryable
        return {**_jsonable(error.extra), **problem}
    return {"code": "internal-error", "status": 500, "detail": "the checkout failed unexpectedly"}


def _jsonable(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extra.items() if k != "headers" and isinstance(v, str | int | float | bool | list | dict)}
