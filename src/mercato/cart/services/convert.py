"""Closing a cart when its checkout becomes an order (in the checkout's transaction)."""

from __future__ import annotations

from sqlalchemy import and_, func, update

from mercato.cart.tables import carts
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import Conflict


async def convert_cart(tx: Tx, *, cart_id: str, order_id: str) -> None:
    """Mark the cart converted; a cart already converted by another checkout is a Conflict (one cart, one order)."""
    result = await tx.conn.execute(
        update(carts)
        .where(and_(carts.c.id == cart_id, carts.c.status == "active"))
        .values(status="converted", updated_at=func.now())
    )
    if result.rowcount != 1:
        raise Conflict("this cart has already been checked out")
    tx.emit(
        aggregate="cart",
        aggregate_id=cart_id,
        event_type="cart.converted",
        payload={"cart_id": cart_id, "order_id": order_id},
    )
