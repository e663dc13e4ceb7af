"""A guest cart becomes the customer's when they sign in: adopted if they have no cart, merged if they do.

Merging adds the guest's quantities to the customer's lines of the same SKU (capped at the per-order
limit) and moves the other lines over, keeping their ids; the guest cart is then marked merged and its
token stops working. Locks: the guest cart first, then the customer's, the same order as every claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart.domain import Cart, CartOwner
from mercato.cart.services.loading import CartRules, owned_cart, touch
from mercato.cart.services.view import EstimateRequest, render_cart
from mercato.cart.tables import cart_lines, carts
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import Conflict

_ADD_TO_SAME_SKU = text(
    """
    UPDATE cart_lines mine SET qty = LEAST(mine.qty + guest.qty, :max_qty), updated_at = :now
    FROM cart_lines guest
    WHERE guest.cart_id = :guest_id AND mine.cart_id = :cart_id
      AND mine.sku_id = guest.sku_id AND mine.saved_for_later = guest.saved_for_later
    """
)

_MOVE_OTHER_LINES = text(
    """
    UPDATE cart_lines guest SET cart_id = :cart_id, updated_at = :now
    WHERE guest.cart_id = :guest_id AND NOT EXISTS (
        SELECT 1 FROM cart_lines mine
        WHERE mine.cart_id = :cart_id AND mine.sku_id = guest.sku_id AND mine.saved_for_later = guest.saved_for_later
    )
    """
)


async def _active_cart_of(conn: AsyncConnection, user_id: str) -> Any:
    return (
        await conn.execute(
            select(carts).where(carts.c.user_id == user_id, carts.c.status == "active").with_for_update()
        )
    ).one_or_none()


async def _adopt(conn: AsyncConnection, guest: Any, *, user_id: str, now: datetime) -> bool:
    """Make the guest cart the customer's; False if a cart of theirs appeared meanwhile (unique index)."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                update(carts)
                .where(carts.c.id == guest.id)
                .values(user_id=user_id, token_hash=None, expires_at=None, updated_at=now)
            )
    except IntegrityError:
        return False
    return True


async def _merge(conn: AsyncConnection, guest: Any, mine: Any, *, now: datetime, rules: CartRules) -> None:
    if mine.currency != guest.currency:
        count = (await conn.execute(select(func.count()).where(cart_lines.c.cart_id == mine.id))).scalar_one()
        if count:
            raise Conflict(f"this cart is priced in {guest.currency}; your cart is priced in {mine.currency}")
        await conn.execute(update(carts).where(carts.c.id == mine.id).values(currency=guest.currency))
    params = {"guest_id": guest.id, "cart_id": mine.id, "max_qty": rules.max_qty_per_line, "now": now}
    await conn.execute(_ADD_TO_SAME_SKU, params)
    await conn.execute(_MOVE_OTHER_LINES, params)
    await conn.execute(cart_lines.delete().where(cart_lines.c.cart_id == guest.id))
    await conn.execute(update(carts).where(carts.c.id == guest.id).values(status="merged", updated_at=now))
    await touch(conn, mine, now=now, rules=rules)


async def claim_guest_cart(
    tx: Tx,
    *,
    cart_id: str,
    token: str | None,
    user_id: str,
    now: datetime,
    rules: CartRules,
    estimate: EstimateRequest | None = None,
) -> Cart:
    """Give the guest cart (proved by its token) to the signed-in customer and answer their cart."""
    conn = tx.conn
    guest = await owned_cart(conn, cart_id=cart_id, owner=CartOwner(token=token), now=now, lock=True)
    if guest.status != "active":
        raise Conflict("this cart can no longer change: its checkout has begun")
    mine = await _active_cart_of(conn, user_id)
    if mine is None and await _adopt(conn, guest, user_id=user_id, now=now):
        target = guest.id
    else:
        mine = mine or await _active_cart_of(conn, user_id)
        await _merge(conn, guest, mine, now=now, rules=rules)
        target = mine.id
    tx.emit(
        aggregate="cart",
        aggregate_id=target,
        event_type="cart.claimed",
        payload={"cart_id": target, "guest_cart_id": guest.id, "user_id": user_id},
    )
    return await render_cart(conn, cart_id=target, estimate=estimate)
