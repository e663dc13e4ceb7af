"""Finding a cart its caller owns, and the checks every change to a cart makes.

A cart that is not the caller's answers exactly like one that does not exist (404), so cart ids leak
nothing. Changes lock the cart row first, so concurrent changes to one cart apply one after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart.domain import CartOwner, owns
from mercato.cart.tables import carts
from mercato.inventory import available_by_sku
from mercato.kernel.errors import Conflict, NotFound, OutOfStock, ValidationFailed
from mercato.kernel.ids import is_id_of

# Statuses in which a cart no longer exists for its owner (its lines moved on, or it timed out).
_GONE = ("merged", "expired")


@dataclass(frozen=True, slots=True)
class CartRules:
    """The configurable limits: units of one SKU per order, and how long an idle guest cart lives."""

    max_qty_per_line: int
    guest_cart_ttl: timedelta


def visible_to(row: Any, owner: CartOwner, now: datetime) -> bool:
    """Whether a cart row (status, user_id, token_hash, expires_at) exists for this caller."""
    return row.status not in _GONE and owns(
        owner, cart_user_id=row.user_id, cart_token_hash=row.token_hash, expires_at=row.expires_at, now=now
    )


async def owned_cart(conn: AsyncConnection, *, cart_id: str, owner: CartOwner, now: datetime, lock: bool) -> Any:
    """The cart row if the caller owns it (locked FOR UPDATE when about to change it), else NotFound."""
    if is_id_of("cart", cart_id):
        query = select(carts).where(carts.c.id == cart_id)
        row = (await conn.execute(query.with_for_update() if lock else query)).one_or_none()
        if row is not None and visible_to(row, owner, now):
            return row
    raise NotFound("no such cart")


async def changeable_cart(conn: AsyncConnection, *, cart_id: str, owner: CartOwner, now: datetime) -> Any:
    """The owned cart, locked, if it can still change (not once its checkout has begun)."""
    row = await owned_cart(conn, cart_id=cart_id, owner=owner, now=now, lock=True)
    if row.status != "active":
        raise Conflict("this cart can no longer change: its checkout has begun")
    return row


def check_qty(qty: int, rules: CartRules) -> None:
    """A line holds 1..max units of its SKU (the per-order limit)."""
    if qty < 1 or qty > rules.max_qty_per_line:
        raise ValidationFailed(
            f"qty must be between 1 and {rules.max_qty_per_line} units of one SKU per order", field="body.qty"
        )


async def check_available(conn: AsyncConnection, *, sku_id: str, qty: int) -> None:
    """That many units can be bought now (nothing is reserved: reservations start at checkout)."""
    if (await available_by_sku(conn, [sku_id]))[sku_id] < qty:
        raise OutOfStock(f"fewer than {qty} units are available", skus=[sku_id])


async def touch(conn: AsyncConnection, cart: Any, *, now: datetime, rules: CartRules) -> None:
    """Record a change; an idle guest cart expires `guest_cart_ttl` after its last change."""
    values: dict[str, Any] = {"updated_at": now}
    if cart.user_id is None:
        values["expires_at"] = now + rules.guest_cart_ttl
    await conn.execute(update(carts).where(carts.c.id == cart.id).values(**values))
