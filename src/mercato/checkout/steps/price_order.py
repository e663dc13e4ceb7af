"""Pricing, the third part of `prepare`: shipping per parcel, the coupon, tax per item: the order plan.
Undone by giving the coupon back.

Everything decided here (ids included) is stored in the session, so a resumed checkout creates
exactly the order that was priced and authorized.
"""

from __future__ import annotations

from dataclasses import asdict

from mercato.checkout.deps import CheckoutDeps
from mercato.checkout.domain import HeldStock, PricedLine, parcel_weight, parcels, price_items, totals
from mercato.checkout.saga import SagaContext
from mercato.db.unit_of_work import Tx, unit_of_work
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.ids import new_id
from mercato.pricing import TaxRate, redeem_coupon, release_coupon
from mercato.shipping import RateSnapshot


async def price_order(tx: Tx, ctx: SagaContext, deps: CheckoutDeps, *, tax: TaxRate, rates: RateSnapshot) -> None:
    """Compute the order plan (`ctx.state["plan"]`) and redeem the coupon (atomically, within its limits).
    `tax` and `rates` were fetched before the transaction: a tax provider may be remote, and either cache
    may need a connection of its own to reload, which must never be asked for while this one is held."""
    request = ctx.state["request"]
    address = request["shipping_address"]
    currency = ctx.state["currency"]
    lines = [PricedLine(**line) for line in ctx.state["lines"]]
    held = [HeldStock(r["sku_id"], r["warehouse_id"], r["qty"]) for r in ctx.state["reservations"]]
    grouped = parcels(lines, held)
    subtotal = sum(line.unit_price * line.qty for line in lines)
    shipping: dict[object, tuple[str, int]] = {}
    for key, contents in grouped.items():
        quote = rates.quote(
            country=address["country"],
            region=address["region"],
            weight_grams=parcel_weight(contents),
            currency=currency,
            digital_only=key.digital,
        )
        if quote is None:
            raise ValidationFailed("no carrier ships to this address", field="body.shipping_address.country")
        shipping[key] = (quote.carrier, quote.amount)
    discount, free_shipping = 0, False
    if request.get("coupon_code"):
        effect = await redeem_coupon(
            tx,
            code=request["coupon_code"],
            user_id=ctx.user_id,
            checkout_id=ctx.session_id,
            subtotal=subtotal,
            currency=currency,
            now=deps.clock.now(),
        )
        discount, free_shipping = effect.discount, effect.free_shipping
    items = price_items(grouped, discount=discount, tax_rate_bps=tax.rate_bps)
    charged = {key: 0 if free_shipping else amount for key, (_, amount) in shipping.items()}
    plan_totals = totals(items, charged)  # type: ignore[arg-type]
    ctx.state["plan"] = {
        "order_id": new_id("order"),
        "tax_estimated": tax.estimated,
        "totals": {
            "subtotal": plan_totals.subtotal,
            "shipping_total": plan_totals.shipping_total,
            "tax_total": plan_totals.tax_total,
            "discount_total": plan_totals.discount_total,
            "total": plan_totals.total,
        },
        "shipments": [
            {
                "id": new_id("shipment"),
                "merchant_id": key.merchant_id,
                "warehouse_id": key.warehouse_id,
                "digital": key.digital,
                "carrier": shipping[key][0],
                "shipping": charged[key],
                "items": [{"id": new_id("order_item"), **asdict(item)} for item in items[key]],
            }
            for key in grouped
        ],
    }


async def give_back_coupon(ctx: SagaContext, deps: CheckoutDeps) -> None:
    """Release the coupon use this checkout took (idempotent; nothing to do without one)."""
    async with unit_of_work(deps.engine) as tx:
        await release_coupon(tx, checkout_id=ctx.session_id)
