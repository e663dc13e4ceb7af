"""Changing a cart's lines: quantity, removal, saving for later and moving back into the cart.

Saved-for-later lines live in the same table with a flag; moving a line where the other side already
holds the same SKU merges the two lines into one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart.domain import Cart, CartOwner
from mercato.cart.services.loading import CartRules, changeable_cart, check_available, check_qty, touch
from mercato.cart.services.view import EstimateRequest, render_cart
from mercato.cart.tables import cart_lines
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import NotFound


async def _line(conn: AsyncConnection, *, cart_id: str, line_id: str, saved: bool) -> Any:
    row = (
        await conn.execute(
            select(cart_lines).where(
                cart_lines.c.id == line_id,
                cart_lines.c.cart_id == cart_id,
                cart_lines.c.saved_for_later.is_(saved),
            )
        )
    ).one_or_none()
    if row is None:
        raise NotFound("no such line in this cart" if not saved else "no such saved line in this cart")
    return row


async def change_line_qty(
    tx: Tx,
    *,
    owner: CartOwner,
    cart_id: str,
    line_id: str,
    qty: int,
    now: datetime,
    rules: CartRules,
    estimate: EstimateRequest | None = None,
) -> Cart:
    """Set a line's quantity; more units than before must be available now."""
    conn = tx.conn
    cart = await changeable_cart(conn, cart_id=cart_id, owner=owner, now=now)
    check_qty(qty, rules)
    line = await _line(conn, cart_id=cart_id, line_id=line_id, saved=False)
    if qty > line.qty:
        await check_available(conn, sku_id=line.sku_id, qty=qty)
    await conn.execute(update(cart_lines).where(cart_lines.c.id == line_id).values(qty=qty, updated_at=now))
    await touch(conn, cart, now=now, rules=rules)
    return await render_cart(conn, cart_id=cart_id, estimate=estimate)


async def remove_line(tx: Tx, *, owner: CartOwner, cart_id: str, line_id: str, now: datetime, rules: CartRules) -> None:
    """Delete a line, in the cart or saved for later."""
    conn = tx.conn
    cart = await changeable_cart(conn, cart_id=cart_id, owner=owner, now=now)
    result = await conn.execute(delete(cart_lines).where(cart_lines.c.id == line_id, cart_lines.c.cart_id == cart_id))
    if result.rowcount == 0:
        raise NotFound("no such line in this cart")
    await touch(conn, cart, now=now, rules=rules)


async def _move(conn: AsyncConnection, line: Any, *, to_saved: bool, qty: int, now: datetime) -> None:
    """Move a line to the other side, merging into the line there that holds the same SKU."""
    merged = await conn.execute(
        update(cart_lines)
        .where(
            cart_lines.c.cart_id == line.cart_id,
            cart_lines.c.sku_id == line.sku_id,
            cart_lines.c.saved_for_later.is_(to_saved),
        )
        .values(qty=qty, updated_at=now)
    )
    if merged.rowcount:
        await conn.execute(delete(cart_lines).where(cart_lines.c.id == line.id))
    else:
        await conn.execute(
            update(cart_lines).where(cart_lines.c.id == line.id).values(saved_for_later=to_saved, updated_at=now)
        )


async def _other_side_qty(conn: AsyncConnection, line: Any, *, saved: bool) -> int:
    held = (
        await conn.execute(
            select(cart_lines.c.qty).where(
                cart_lines.c.cart_id == line.cart_id,
                cart_lines.c.sku_id == line.sku_id,
                cart_lines.c.saved_for_later.is_(saved),
            )
        )
    ).scalar_one_or_none()
    return int(held or 0)


async def save_for_later(
    tx: Tx,
    *,
    owner: CartOwner,
    cart_id: str,
    line_id: str,
    now: datetime,
    rules: CartRules,
    estimate: EstimateRequest | None = None,
) -> Cart:
    """Move a cart line to saved-for-later (merging with a saved line of the same SKU, up to the limit)."""
    conn = tx.conn
    cart = await changeable_cart(conn, cart_id=cart_id, owner=owner, now=now)
    line = await _line(conn, cart_id=cart_id, line_id=line_id, saved=False)
    qty = min(line.qty + await _other_side_qty(conn, line, saved=True), rules.max_qty_per_line)
    await _move(conn, line, to_saved=True, qty=qty, now=now)
    await touch(conn, cart, now=now, rules=rules)
    return await render_cart(conn, cart_id=cart_id, estimate=estimate)


async def move_to_cart(
    tx: Tx,
    *,
    owner: CartOwner,
    cart_id: str,
    line_id: str,
    now: datetime,
    rules: CartRules,
    estimate: EstimateRequest | None = None,
) -> Cart:
    """Move a saved line back into the cart; the resulting quantity must be allowed and available now."""
    conn = tx.conn
    cart = await changeable_cart(conn, cart_id=cart_id, owner=owner, now=now)
    line = await _line(conn, cart_id=cart_id, line_id=line_id, saved=True)
    qty = line.qty + await _other_side_qty(conn, line, saved=False)
    check_qty(qty, rules)
    await check_available(conn, sku_id=line.sku_id, qty=qty)
    await _move(conn, line, to_saved=False, qty=qty, now=now)
    await touch(conn, cart, now=now, rules=rules)
    return await render_cart(conn, cart_id=cart_id, estimate=estimate)
