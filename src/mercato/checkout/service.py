"""Checkout: run the saga for one (customer, Idempotency-Key) and answer the order it made.

prepare (validate cart, reserve stock, price with shipping, coupon and tax, open the payment: one
transaction) → authorize payment (the PSP call) → create order (one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaRunner, SagaStep
from mercato.checkout.steps.authorize_payment import AuthorizePayment
from mercato.checkout.steps.create_order import CreateOrder
from mercato.checkout.steps.prepare import PrepareCheckout
from mercato.kernel.errors import DomainError


def checkout_steps(deps: CheckoutDeps) -> list[SagaStep]:
    """The saga's steps, in order."""
    return [PrepareCheckout(deps), AuthorizePayment(deps), CreateOrder(deps)]


def checkout_runner(deps: CheckoutDeps) -> SagaRunner:
    """A runner for the checkout saga (the API runs sessions, the worker recovers abandoned ones)."""
    return SagaRunner(engine=deps.engine, steps=checkout_steps(deps), clock=deps.clock, lease=deps.lease)


class StoredProblem(DomainError):
    """A checkout's failure as recorded in its session, raised again for a replay."""

    def __init__(self, problem: dict[str, Any]) -> None:
        extra = {k: v for k, v in problem.items() if k not in ("code", "status", "title", "detail")}
        super().__init__(problem.get("detail"), **extra)
        self.code = problem.get("code", "internal-error")  # type: ignore[misc]
        self.status = int(problem.get("status", 500))  # type: ignore[misc]
        self.title = problem.get("title", "The checkout failed")  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """The order a checkout made, and whether it has digital goods to capture at once."""

    order_id: str
    has_digital: bool


async def check_out(deps: CheckoutDeps, *, user_id: str, idempotency_key: str, request: dict[str, Any]) -> PlacedOrder:
    """Run (or resume) the checkout for this key and return its order; raise the problem if it failed."""
    runner = checkout_runner(deps)
    ctx = await runner.start_or_resume(
        user_id=user_id, idempotency_key=idempotency_key, cart_id=request["cart_id"], state={"request": request}
    )
    if ctx.status == "failed":
        raise StoredProblem(ctx.error or {"code": "internal-error", "status": 500})
    if ctx.status != "completed":
        await runner.run(ctx)
    assert ctx.order_id is not None
    shipments = ctx.state.get("plan", {}).get("shipments", [])
    return PlacedOrder(ctx.order_id, has_digital=any(s.get("digital", True) for s in shipments) or not shipments)
