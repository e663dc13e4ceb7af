"""Closing a cart when its checkout becomes an order (in the checkout's transaction)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, update

from mercato.cart.tables import carts
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import Conflict

# Built once: a statement built per call costs more Python time than its round trip (docs/checkout.md).
_CONVERT = (
    update(carts)
    .where(and_(carts.c.id == bindparam("cart_id"), carts.c.status == "active"))
    .values(status="converted", updated_at=func.now())
)


async def convert_cart(tx: Tx, *, cart_id: str, order_id: str) -> None:
    """Mark the cart converted; a cart already converted by another checkout is a Conflict (one cart, one order)."""
    result = await tx.conn.execute(_CONVERT, {"cart_id": cart_id})
    if result.rowcount != 1:
        raise Conflict("this cart has already been checked out")
    tx.emit(
        aggregate="cart",
        aggregate_id=cart_id,
        event_type="cart.converted",
        payload={"cart_id": cart_id, "order_id": order_id},
    )
