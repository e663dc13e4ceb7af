"""Validation, the first part of `prepare`: the cart is the caller's, not empty, every SKU is for sale,
prices are current (or accepted).

It only reads (two statements: the cart with its lines, then the SKUs). Its result, the priced lines, is
stored in the session so a resumed checkout charges what was validated.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart import CartOwner, checkout_contents
from mercato.catalog import sku_snapshots
from mercato.checkout.domain import PricedLine
from mercato.checkout.saga import SagaContext
from mercato.kernel.clock import Clock
from mercato.kernel.errors import PriceChanged, ValidationFailed


async def validate_cart(conn: AsyncConnection, ctx: SagaContext, *, clock: Clock) -> None:
    """Turn the cart into priced lines (`ctx.state["lines"]`, `["currency"]`, `["merchant_ids"]`), refusing
    stale prices unless the buyer accepted them."""
    request = ctx.state["request"]
    cart = await checkout_contents(conn, cart_id=ctx.cart_id, owner=CartOwner(user_id=ctx.user_id), now=clock.now())
    if cart.status != "active":
        raise ValidationFailed("this cart has already been checked out", field="body.cart_id")
    if not cart.lines:
        raise ValidationFailed("the cart is empty", field="body.cart_id")
    snapshots = await sku_snapshots(conn, sorted({line.sku_id for line in cart.lines}))
    # Known before any refusal, so even a checkout refused here is attributed to its merchants.
    ctx.state["merchant_ids"] = sorted({s.merchant_id for s in snapshots.values()})
    ctx.state["currency"] = cart.currency
    unavailable = [
        line.sku_id
        for line in cart.lines
        if not (s := snapshots.get(line.sku_id)) or not s.active or s.currency != cart.currency
    ]
    if unavailable:
        raise ValidationFailed("some items are no longer for sale", field="body.cart_id", skus=unavailable)
    changed = [
        {"sku_id": line.sku_id, "added_price": line.added_price, "price": snapshots[line.sku_id].price}
        for line in cart.lines
        if snapshots[line.sku_id].price != line.added_price
    ]
    if changed and not request.get("accept_price_changes"):
        raise PriceChanged(
            "prices changed since these items were added; review them and check out again with"
            " accept_price_changes: true",
            skus=[c["sku_id"] for c in changed],
            prices=changed,
        )
    lines = [
        PricedLine(
            sku_id=line.sku_id,
            product_id=snapshots[line.sku_id].product_id,
            merchant_id=snapshots[line.sku_id].merchant_id,
            name=snapshots[line.sku_id].name,
            qty=line.qty,
            unit_price=snapshots[line.sku_id].price,
            digital=snapshots[line.sku_id].digital,
            weight_grams=snapshots[line.sku_id].weight_grams,
        )
        for line in cart.lines
    ]
    ctx.state["lines"] = [asdict(line) for line in lines]
