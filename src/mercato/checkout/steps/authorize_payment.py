"""Step 2: authorize the total with the PSP (one live authorization per checkout, retries included).

The payment and its first attempt were written by `prepare`, so the common path sends that attempt at once
and records the answer in one transaction. The step is not recorded on its own: `create_order` records it
with the order, and until then a resumed checkout runs it again, which finds the live authorization (the
payment row is keyed by the checkout, the PSP call by keys derived from it). Compensation voids it
(idempotent, and it finds the payment by checkout even if this process died before anything was recorded).
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaContext
from mercato.checkout.steps.prepare import OPENED_AUTHORIZATION
from mercato.kernel.errors import PaymentUnavailable, RequestInProgress
from mercato.payments import authorize_payment, get_payment_by_checkout, request_void, void_payment


@dataclass
class AuthorizePayment:
    """Hold the order total on the buyer's payment method."""

    deps: CheckoutDeps
    name: str = "authorize_payment"
    records_itself: bool = True  # recorded by create_order, in the order's transaction

    async def run(self, ctx: SagaContext) -> None:
        payment_id = ctx.state.get("payment_id")
        if payment_id:
            result = await authorize_payment(
                self.deps.engine,
                self.deps.psp,
                payment_id=payment_id,
                payment_method_token=ctx.state["request"]["payment_method_token"],
                idempotency_key_base=ctx.session_id,
                opened=ctx.transient.pop(OPENED_AUTHORIZATION, None),
            )
            ctx.state["authorization"] = {"provider": result.provider, "psp_reference": result.psp_reference}
        if self.name not in ctx.done:
            ctx.done.append(self.name)

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
