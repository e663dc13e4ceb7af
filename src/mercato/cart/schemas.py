"""Request and response bodies of the cart API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mercato.cart.domain import Cart, CartLine
from mercato.http.schema_base import RequestBody
from mercato.kernel.clock import rfc3339


class AddToCart(RequestBody):
    sku_id: str = Field(min_length=1, max_length=64)
    qty: int = Field(ge=1, strict=True, description="Units to add (1..the per-order limit, 10 by default)")
    cart_id: str | None = Field(default=None, max_length=64, description="Omit to use (or start) your cart")


class LineQty(RequestBody):
    qty: int = Field(ge=1, strict=True)


class CartLineOut(BaseModel):
    id: str
    sku_id: str
    product_id: str
    name: str
    qty: int
    unit_price: int
    added_price: int
    price_changed: bool
    available: int
    line_total: int

    @classmethod
    def of(cls, line: CartLine) -> CartLineOut:
        return cls(
            id=line.id,
            sku_id=line.sku_id,
            product_id=line.product_id,
            name=line.name,
            qty=line.qty,
            unit_price=line.unit_price,
            added_price=line.added_price,
            price_changed=line.price_changed,
            available=line.available,
            line_total=line.line_total,
        )


class CartOut(BaseModel):
    id: str
    object: Literal["cart"] = "cart"
    currency: str
    lines: list[CartLineOut]
    saved_for_later: list[CartLineOut]
    subtotal: int
    shipping_estimate: int | None = Field(description="For the destination in ?country=&region=; else null")
    tax_estimate: int | None
    total: int | None
    created_at: str
    updated_at: str
    expires_at: str | None = Field(description="When an idle guest cart is removed; null for customers' carts")
    cart_token: str | None = Field(
        default=None, description="Only in the answer that created a guest cart: send it back as X-Cart-Token"
    )

    @classmethod
    def of(cls, cart: Cart) -> CartOut:
        estimates = cart.estimates
        return cls(
            id=cart.id,
            currency=cart.currency,
            lines=[CartLineOut.of(line) for line in cart.lines],
            saved_for_later=[CartLineOut.of(line) for line in cart.saved_for_later],
            subtotal=cart.subtotal,
            shipping_estimate=estimates.shipping if estimates else None,
            tax_estimate=estimates.tax if estimates else None,
            total=estimates.total if estimates else None,
            created_at=rfc3339(cart.created_at),
            updated_at=rfc3339(cart.updated_at),
            expires_at=rfc3339(cart.expires_at) if cart.expires_at else None,
            cart_token=cart.token,
        )
