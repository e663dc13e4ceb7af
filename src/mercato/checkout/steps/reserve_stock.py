"""Reservation, the second part of `prepare`: hold the stock (TTL), all lines or none; undone by releasing it."""

from __future__ import annotations

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.saga import SagaContext
from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.inventory import release_reservations, reserve_stock
from mercato.kernel.clock import rfc3339


async def hold_stock(tx: Tx, ctx: SagaContext, deps: CheckoutDeps) -> None:
    """Reserve every line's units, choosing warehouses by the shipping destination (`ctx.state["reservations"]`)."""
    address = ctx.state["request"]["shipping_address"]
    held = await reserve_stock(
        tx,
        lines=[(line["sku_id"], line["qty"]) for line in ctx.state["lines"]],
        holder=ctx.session_id,
        ttl_seconds=int(deps.reservation_ttl.total_seconds()),
        now=deps.clock.now(),
        destination_country=address["country"],
        destination_region=address["region"],
    )
    ctx.state["reservations"] = [
        {"id": r.id, "sku_id": r.sku_id, "warehouse_id": r.warehouse_id, "qty": r.qty} for r in held
    ]
    ctx.state["hold_expires_at"] = rfc3339(min(r.expires_at for r in held))  # for the reminder job


async def release_stock(ctx: SagaContext, deps: CheckoutDeps) -> None:
    """Give the held units back (idempotent; nothing to do if none were held)."""
    async with unit_of_work(deps.engine) as tx:
        await release_reservations(
            tx, holder=ctx.session_id, reason="checkout failed", now=deps.clock.now(), actor="checkout"
        )
