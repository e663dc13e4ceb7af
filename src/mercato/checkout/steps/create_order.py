"""Step 3: in one transaction, create the confirmed order, sell the reserved stock, tie the payment to
the order, close the cart and finish the session. Its events go to the outbox in the same commit.

It has no compensation: once this transaction commits the checkout has succeeded; before it commits
nothing of it exists. If the reservations expired meanwhile (a very slow PSP), committing them fails
and the saga compensates the earlier steps: the buyer is told the stock is gone, never oversold.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, update

from mercato.cart import convert_cart
from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaContext
from mercato.checkout.tables import checkout_sessions
from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import ReservationsReleased, commit_reservations
from mercato.kernel.errors import OutOfStock
from mercato.orders import NewOrder, NewOrderItem, NewShipment, Totals, create_confirmed_order
from mercato.payments import attach_order

# Built once: a statement built per call costs more Python time than its round trip (docs/checkout.md).
_COMPLETE = (
    update(checkout_sessions)
    .where(checkout_sessions.c.id == bindparam("session_id"))
    .values(
        status="completed",
        order_id=bindparam("new_order_id"),
        steps_done=bindparam("new_steps"),
        state=bindparam("new_state"),
        updated_at=func.now(),
    )
)


def order_from_plan(ctx: SagaContext) -> NewOrder:
    """The order the plan describes."""
    plan, request = ctx.state["plan"], ctx.state["request"]
    t = plan["totals"]
    return NewOrder(
        id=plan["order_id"],
        user_id=ctx.user_id,
        checkout_id=ctx.session_id,
        currency=ctx.state["currency"],
        totals=Totals(
            subtotal=t["subtotal"],
            shipping_total=t["shipping_total"],
            tax_total=t["tax_total"],
            discount_total=t["discount_total"],
        ),
        tax_estimated=plan["tax_estimated"],
        coupon_code=(request.get("coupon_code") or None) and request["coupon_code"].strip().upper(),
        shipping_address=request["shipping_address"],
        shipments=[
            NewShipment(
                id=s["id"],
                merchant_id=s["merchant_id"],
                warehouse_id=s["warehouse_id"],
                shipping=s["shipping"],
                items=[
                    NewOrderItem(
                        id=i["id"],
                        sku_id=i["sku_id"],
                        product_id=i["product_id"],
                        merchant_id=i["merchant_id"],
                        name=i["name"],
                        qty=i["qty"],
                        unit_price=i["unit_price"],
                        tax=i["tax"],
                        discount=i["discount"],
                        digital=i["digital"],
                    )
                    for i in s["items"]
                ],
            )
            for s in plan["shipments"]
        ],
    )


@dataclass
class CreateOrder:
    """Make the sale durable, all at once."""

    deps: CheckoutDeps
    name: str = "create_order"
    records_itself: bool = True

    async def run(self, ctx: SagaContext) -> None:
        order = order_from_plan(ctx)
        now = self.deps.clock.now()
        async with unit_of_work(self.deps.engine) as tx:
            try:
                await commit_reservations(tx, holder=ctx.session_id, now=now, actor=ctx.user_id)
            except ReservationsReleased as exc:
                raise OutOfStock(
                    "the items were held too long and have been released; please check out again",
                    skus=sorted({r["sku_id"] for r in ctx.state["reservations"]}),
                ) from exc
            await create_confirmed_order(tx, order=order, actor=ctx.user_id)
            if ctx.state.get("payment_id"):
                await attach_order(tx, payment_id=ctx.state["payment_id"], order_id=order.id)
            await convert_cart(tx, cart_id=ctx.cart_id, order_id=order.id)
            ctx.order_id, ctx.status = order.id, "completed"
            if self.name not in ctx.done:
                ctx.done.append(self.name)
            await tx.conn.execute(
                _COMPLETE,
                {"session_id": ctx.session_id, "new_order_id": order.id, "new_steps": ctx.done, "new_state": ctx.state},
            )
            tx.emit(
                aggregate="checkout",
                aggregate_id=ctx.session_id,
                event_type="checkout.completed",
                payload={"checkout_id": ctx.session_id, "order_id": order.id, "user_id": ctx.user_id},
            )

    async def compensate(self, ctx: SagaContext) -> None:
        """Nothing: the step either committed (success) or left no trace."""
