"""Step 1: validate the cart, reserve the stock, price the order and open the payment, in one transaction.

These four only talk to the database, so they commit together with the session's progress: one
BEGIN/COMMIT instead of five, and nothing of a failed attempt to undo, since its transaction rolls back
whole. Each round trip costs the API process CPU (issue 6), and this step is where most of them were.
The tax rate (a remote provider may give it) and the shipping rates (a cold cache loads them through a
connection of its own) are fetched before the transaction opens: asking the pool for a second connection
while holding one deadlocks under load, when every connection is held by a transaction doing the same.

Its compensation, for a failure in a later step, gives the coupon back and releases the stock; the payment
opened here is undone by the authorization step's compensation (it voids whatever the checkout's payment
holds, which is nothing when the PSP was never called).
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaContext, emit_started, record_step
from mercato.checkout.steps.price_order import give_back_coupon, price_order
from mercato.checkout.steps.reserve_stock import hold_stock, release_stock
from mercato.checkout.steps.validate_cart import validate_cart
from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.payments import open_authorization
from mercato.pricing import Destination

OPENED_AUTHORIZATION = "opened_authorization"  # ctx.transient key: the attempt to send, in this process only


@dataclass
class PrepareCheckout:
    """Validate, reserve, price, and write the payment with its first authorize attempt."""

    deps: CheckoutDeps
    name: str = "prepare"
    records_itself: bool = True

    async def run(self, ctx: SagaContext) -> None:
        address = ctx.state["request"]["shipping_address"]
        tax = await self.deps.tax.rate(Destination(address["country"], address["region"], address["postal_code"]))
        rates = await self.deps.shipping.snapshot()
        try:
            async with unit_of_work(self.deps.engine) as tx:
                ctx.state["stage"] = "validate"
                await validate_cart(tx.conn, ctx, clock=self.deps.clock)
                ctx.state["stage"] = "reserve"
                await hold_stock(tx, ctx, self.deps)
                ctx.state["stage"] = "price"
                await price_order(tx, ctx, self.deps, tax=tax, rates=rates)
                ctx.state["stage"] = "authorize"  # a payment method refused here fails the authorization
                await self._open_payment(tx, ctx)
                emit_started(tx, ctx)  # with this commit's outbox insert, which the reservation events make
                await record_step(tx.conn, ctx, self.name, lease=self.deps.lease, clock=self.deps.clock)
        except BaseException:
            ctx.state.pop("started", None)  # its event rolled back with the transaction
            raise

    async def _open_payment(self, tx: Tx, ctx: SagaContext) -> None:
        """The payment and its first authorize attempt (none for a fully discounted order)."""
        ctx.state["payment_id"] = None
        total = ctx.state["plan"]["totals"]["total"]
        if total == 0:
            return
        opened = await open_authorization(
            tx,
            self.deps.psp,
            checkout_id=ctx.session_id,
            user_id=ctx.user_id,
            amount=total,
            currency=ctx.state["currency"],
            merchant_ids=sorted({s["merchant_id"] for s in ctx.state["plan"]["shipments"]}),
            payment_method_token=ctx.state["request"]["payment_method_token"],
            idempotency_key_base=ctx.session_id,
        )
        ctx.state["payment_id"] = opened.payment_id
        ctx.transient[OPENED_AUTHORIZATION] = opened.attempt

    async def compensate(self, ctx: SagaContext) -> None:
        """Undo pricing and reservation; both tolerate never having happened (a rolled-back attempt)."""
        await give_back_coupon(ctx, self.deps)
        await release_stock(ctx, self.deps)
