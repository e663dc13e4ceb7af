"""Showing a cart: its lines at today's prices and availability, the subtotal, and estimates for a destination."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart.domain import Cart, CartLine, CartOwner, Estimates, total_with
from mercato.cart.services.loading import owned_cart
from mercato.cart.tables import cart_lines, carts
from mercato.catalog import sku_snapshots
from mercato.inventory import available_by_sku
from mercato.pricing import Destination, TaxRate, line_tax
from mercato.shipping import ShippingQuote


class TaxRates(Protocol):
    """Where the cart gets a destination's tax rate (pricing's TaxService, or a stand-in)."""

    async def rate(self, destination: Destination) -> TaxRate: ...


class ShippingQuotes(Protocol):
    """Where the cart gets a shipping price (shipping's ShippingRateTable, or a stand-in)."""

    async def quote(
        self, *, country: str, region: str, weight_grams: int, currency: str, digital_only: bool = False
    ) -> ShippingQuote | None: ...


@dataclass(frozen=True, slots=True)
class EstimateRequest:
    """A destination to estimate shipping and tax for, and where to ask."""

    destination: Destination
    tax: TaxRates
    shipping: ShippingQuotes


async def render_cart(
    conn: AsyncConnection, *, cart_id: str, estimate: EstimateRequest | None = None, token: str | None = None
) -> Cart:
    """The cart as it is now in this transaction. A line whose SKU the catalog no longer knows is left out
    (it can still be deleted); one no longer for sale shows 0 available."""
    cart = (await conn.execute(select(carts).where(carts.c.id == cart_id))).one()
    rows = (
        await conn.execute(
            select(cart_lines).where(cart_lines.c.cart_id == cart_id).order_by(cart_lines.c.created_at, cart_lines.c.id)
        )
    ).all()
    sku_ids = sorted({r.sku_id for r in rows})
    snapshots = await sku_snapshots(conn, sku_ids)
    available = await available_by_sku(conn, sku_ids)
    lines: list[CartLine] = []
    saved: list[CartLine] = []
    for row in rows:
        sku = snapshots.get(row.sku_id)
        if sku is None:
            continue
        for_sale = sku.active and sku.currency == cart.currency
        line = CartLine(
            id=row.id,
            sku_id=row.sku_id,
            product_id=sku.product_id,
            name=sku.name,
            qty=row.qty,
            unit_price=sku.price if sku.currency == cart.currency else row.added_price,
            added_price=row.added_price,
            available=max(available[row.sku_id], 0) if for_sale else 0,
            digital=sku.digital,
            weight_grams=sku.weight_grams,
        )
        (saved if row.saved_for_later else lines).append(line)
    shown = _cart(cart, lines, saved, token)
    if estimate is None:
        return shown
    return await _with_estimates(shown, estimate)


def _cart(row: Any, lines: list[CartLine], saved: list[CartLine], token: str | None) -> Cart:
    return Cart(
        id=row.id,
        currency=row.currency,
        status=row.status,
        lines=tuple(lines),
        saved_for_later=tuple(saved),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        token=token,
    )


async def _with_estimates(cart: Cart, estimate: EstimateRequest) -> Cart:
    """Shipping for the physical goods (the cheapest carrier's rate for their weight; unknown when no
    carrier serves the destination) and tax per line at the destination's rate, as the checkout charges it."""
    where = estimate.destination
    weight = cart.ship_weight_grams
    quote = await estimate.shipping.quote(
        country=where.country,
        region=where.region,
        weight_grams=weight or 0,
        currency=cart.currency,
        digital_only=weight is None,
    )
    shipping = quote.amount if quote is not None else None
    rate = await estimate.tax.rate(where)
    tax = sum(line_tax(line.line_total, rate.rate_bps) for line in cart.lines)
    return replace(
        cart, estimates=Estimates(shipping=shipping, tax=tax, total=total_with(cart.subtotal, shipping, tax))
    )


async def get_cart(
    conn: AsyncConnection, *, cart_id: str, owner: CartOwner, now: datetime, estimate: EstimateRequest | None = None
) -> Cart:
    """The caller's cart, with estimates when a destination is given; NotFound if it is not theirs."""
    await owned_cart(conn, cart_id=cart_id, owner=owner, now=now, lock=False)
    return await render_cart(conn, cart_id=cart_id, estimate=estimate)
