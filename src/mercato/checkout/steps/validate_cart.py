"""Step 1: the cart is the caller's, not empty, every SKU is for sale, prices are current (or accepted).

Nothing to compensate: it only reads. Its result (the priced lines) is stored in the session so a
resumed checkout charges what was validated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from mercato.cart import CartOwner, get_cart
from mercato.catalog import sku_snapshots
from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.domain import PricedLine
from mercato.checkout.saga import SagaContext
from mercato.kernel.errors import PriceChanged, ValidationFailed


@dataclass
class ValidateCart:
    """Turn the cart into priced lines, refusing stale prices unless the buyer accepted them."""

    deps: CheckoutDeps
    name: str = "validate_cart"
    records_itself: bool = False

    async def run(self, ctx: SagaContext) -> None:
        request = ctx.state["request"]
        async with self.deps.engine.connect() as conn:
            cart = await get_cart(
                conn, cart_id=ctx.cart_id, owner=CartOwner(user_id=ctx.user_id), now=self.deps.clock.now()
            )
            if cart.status != "active":
                raise ValidationFailed("this cart has already been checked out", field="body.cart_id")
            if not cart.lines:
                raise ValidationFailed("the cart is empty", field="body.cart_id")
            snapshots = await sku_snapshots(conn, [line.sku_id for line in cart.lines])
        # Known before any refusal, so even a checkout refused here is attributed to its merchants.
        ctx.state["merchant_ids"] = sorted({s.merchant_id for s in snapshots.values()})
        ctx.state["currency"] = cart.currency
        unavailable = [line.sku_id for line in cart.lines if not (s := snapshots.get(line.sku_id)) or not s.active]
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

    async def compensate(self, ctx: SagaContext) -> None:
        """Reading changed nothing."""
