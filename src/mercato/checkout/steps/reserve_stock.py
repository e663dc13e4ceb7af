"""Step 2: hold the stock for this checkout (TTL), all lines or none; compensation releases it.

The hold's transaction also emits checkout.started: the session's first write with events of its own."""

from __future__ import annotations

from dataclasses import dataclass

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaContext, emit_started, record_step
from mercato.db.unit_of_work import unit_of_work
from mercato.inventory import release_reservations, reserve_stock
from mercato.kernel.clock import rfc3339


@dataclass
class ReserveStock:
    """Reserve every line's units, choosing warehouses by the shipping destination."""

    deps: CheckoutDeps
    name: str = "reserve_stock"
    records_itself: bool = True

    async def run(self, ctx: SagaContext) -> None:
        address = ctx.state["request"]["shipping_address"]
        async with unit_of_work(self.deps.engine) as tx:
            held = await reserve_stock(
                tx,
                lines=[(line["sku_id"], line["qty"]) for line in ctx.state["lines"]],
                holder=ctx.session_id,
                ttl_seconds=int(self.deps.reservation_ttl.total_seconds()),
                now=self.deps.clock.now(),
                destination_country=address["country"],
                destination_region=address["region"],
            )
            ctx.state["reservations"] = [
                {"id": r.id, "sku_id": r.sku_id, "warehouse_id": r.warehouse_id, "qty": r.qty} for r in held
            ]
            ctx.state["hold_expires_at"] = rfc3339(min(r.expires_at for r in held))  # for the reminder job
            emit_started(tx, ctx)  # in the hold's commit: the outbox insert is already being made
            await record_step(tx.conn, ctx, self.name, lease=self.deps.lease, clock=self.deps.clock)

    async def compensate(self, ctx: SagaContext) -> None:
        async with unit_of_work(self.deps.engine) as tx:
            await release_reservations(
                tx, holder=ctx.session_id, reason="checkout failed", now=self.deps.clock.now(), actor="checkout"
            )
