"""What the checkout needs of a cart, in one statement: the cart row and its lines (not those saved for later).

The cart view (`get_cart`) also prices lines, reads availability and drops unknown SKUs, which costs four
more round trips the checkout does not need: it prices and reserves on its own, and it must see every line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, not_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart.domain import CartOwner
from mercato.cart.services.loading import visible_to
from mercato.cart.tables import cart_lines, carts
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import is_id_of


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    sku_id: str
    qty: int
    added_price: int


@dataclass(frozen=True, slots=True)
class CheckoutContents:
    """A cart as the checkout reads it: its currency, status and lines in the order they were added."""

    cart_id: str
    currency: str
    status: str
    lines: tuple[CheckoutLine, ...]


# Built once: a statement built per call costs more Python time than its round trip (docs/checkout.md).
_CONTENTS = (
    select(
        carts.c.user_id,
        carts.c.token_hash,
        carts.c.expires_at,
        carts.c.currency,
        carts.c.status,
        cart_lines.c.sku_id,
        cart_lines.c.qty,
        cart_lines.c.added_price,
    )
    .select_from(
        carts.outerjoin(cart_lines, and_(cart_lines.c.cart_id == carts.c.id, not_(cart_lines.c.saved_for_later)))
    )
    .where(carts.c.id == bindparam("cart_id"))
    .order_by(cart_lines.c.created_at, cart_lines.c.id)
)


async def checkout_contents(
    conn: AsyncConnection, *, cart_id: str, owner: CartOwner, now: datetime
) -> CheckoutContents:
    """The owned cart's lines, or NotFound (a cart that is not the caller's answers like one that does not exist)."""
    if not is_id_of("cart", cart_id):
        raise NotFound("no such cart")
    rows = (await conn.execute(_CONTENTS, {"cart_id": cart_id})).all()
    if not rows:
        raise NotFound("no such cart")
    cart = rows[0]
    if not visible_to(cart, owner, now):
        raise NotFound("no such cart")
    lines = tuple(CheckoutLine(r.sku_id, r.qty, r.added_price) for r in rows if r.sku_id is not None)
    return CheckoutContents(cart_id=cart_id, currency=cart.currency, status=cart.status, lines=lines)
