"""Step 4: authorize the total with the PSP (one live authorization per checkout, retries included).

The payment row is keyed by the checkout, and the PSP call by keys derived from it, so a resumed or
retried step reuses the same authorization. Compensation voids it (idempotent, and it finds the
payment by checkout even if this process died before recording it).
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaContext
from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.errors import PaymentUnavailable, RequestInProgress
from mercato.payments import (
    authorize_payment,
    create_payment,
    get_payment_by_checkout,
    request_void,
    void_payment,
)


@dataclass
class AuthorizePayment:
    """Hold the order total on the buyer's payment method."""

    deps: CheckoutDeps
    name: str = "authorize_payment"
    records_itself: bool = False

    async def run(self, ctx: SagaContext) -> None:
        plan = ctx.state["plan"]
        if plan["totals"]["total"] == 0:
            ctx.state["payment_id"] = None  # fully discounted: nothing to charge
            return
        async with unit_of_work(self.deps.engine) as tx:
            payment_id = await create_payment(
                tx,
                checkout_id=ctx.session_id,
                user_id=ctx.user_id,
                amount=plan["totals"]["total"],
                currency=ctx.state["currency"],
                merchant_ids=sorted({s["merchant_id"] for s in plan["shipments"]}),
            )
        result = await authorize_payment(
            self.deps.engine,
            self.deps.psp,
            payment_id=payment_id,
            payment_method_token=ctx.state["request"]["payment_method_token"],
            idempotency_key_base=ctx.session_id,
        )
        ctx.state["payment_id"] = payment_id
        ctx.state["authorization"] = {"provider": result.provider, "psp_reference": result.psp_reference}

    async def compensate(self, ctx: SagaContext) -> None:
        async with self.deps.engine.connect() as conn:
            payment = await get_payment_by_checkout(conn, checkout_id=ctx.session_id)
        if payment is None:
            return
        try:
            await void_payment(self.deps.engine, self.deps.psp, payment_id=payment.id)
        except (PaymentUnavailable, RequestInProgress):
            # The authorization's outcome is not known yet: reconciliation voids it once it is.
            await request_void(self.deps.engine, payment_id=payment.id)
