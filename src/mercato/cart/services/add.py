"""Adding a SKU to a cart, creating the cart on the first add.

A guest's first add creates a guest cart and answers its token once; a customer has one active cart,
found or created here (a unique index settles two racing first adds). Adding reserves nothing: it checks
that the SKU is for sale and that many units are available now; reservations start at checkout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.cart.domain import Cart, CartOwner, hash_cart_token, new_cart_token
from mercato.cart.services.loading import CartRules, changeable_cart, check_available, check_qty, touch
from mercato.cart.services.view import EstimateRequest, render_cart
from mercato.cart.tables import cart_lines, carts
from mercato.catalog import SkuSnapshot, sku_snapshots
from mercato.db.unit_of_work import Tx
from mercato.kernel.errors import Conflict, ValidationFailed
from mercato.kernel.ids import is_id_of, new_id


@dataclass(frozen=True, slots=True)
class Added:
    """The cart after the add, and whether this add created it (201) or not (200)."""

    cart: Cart
    created: bool


async def _for_sale(conn: AsyncConnection, sku_id: str) -> SkuSnapshot:
    sku = (await sku_snapshots(conn, [sku_id])).get(sku_id) if is_id_of("sku", sku_id) else None
    if sku is None or not sku.active:
        raise ValidationFailed("no SKU with this id is for sale", field="body.sku_id")
    return sku


async def _customer_cart(conn: AsyncConnection, *, user_id: str, currency: str, now: datetime) -> tuple[Any, bool]:
    """The customer's active cart, locked, created if they have none; and whether it was created."""
    created = (
        await conn.execute(
            insert(carts)
            .values(id=new_id("cart"), user_id=user_id, currency=currency, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["user_id"], index_where=text("status = 'active'"))
            .returning(carts.c.id)
        )
    ).first()
    row = (
        await conn.execute(
            select(carts).where(carts.c.user_id == user_id, carts.c.status == "active").with_for_update()
        )
    ).one()
    return row, created is not None


async def _guest_cart(conn: AsyncConnection, *, currency: str, now: datetime, rules: CartRules) -> tuple[Any, str]:
    token = new_cart_token()
    row = (
        await conn.execute(
            insert(carts)
            .values(
                id=new_id("cart"),
                token_hash=hash_cart_token(token),
                currency=currency,
                created_at=now,
                updated_at=now,
                expires_at=now + rules.guest_cart_ttl,
            )
            .returning(carts)
        )
    ).one()
    return row, token


async def _settle_currency(conn: AsyncConnection, cart: Any, currency: str) -> None:
    """A cart is priced in one currency; an empty cart simply takes the new SKU's."""
    if cart.currency == currency:
        return
    has_lines = (await conn.execute(select(func.count()).where(cart_lines.c.cart_id == cart.id))).scalar_one() > 0
    if has_lines:
        raise Conflict(f"this cart is priced in {cart.currency}; the SKU is priced in {currency}")
    await conn.execute(update(carts).where(carts.c.id == cart.id).values(currency=currency))


async def add_to_cart(
    tx: Tx,
    *,
    owner: CartOwner,
    sku_id: str,
    qty: int,
    cart_id: str | None,
    now: datetime,
    rules: CartRules,
    estimate: EstimateRequest | None = None,
) -> Added:
    """Add `qty` units of a SKU (to the line already holding it, if any) and answer the cart."""
    conn = tx.conn
    check_qty(qty, rules)
    sku = await _for_sale(conn, sku_id)
    token = None
    if cart_id is not None:
        cart, created = await changeable_cart(conn, cart_id=cart_id, owner=owner, now=now), False
    elif owner.user_id is not None:
        cart, created = await _customer_cart(conn, user_id=owner.user_id, currency=sku.currency, now=now)
    else:
        (cart, token), created = await _guest_cart(conn, currency=sku.currency, now=now, rules=rules), True
    await _settle_currency(conn, cart, sku.currency)
    held = (
        await conn.execute(
            select(cart_lines.c.qty).where(
                cart_lines.c.cart_id == cart.id, cart_lines.c.sku_id == sku_id, cart_lines.c.saved_for_later.is_(False)
            )
        )
    ).scalar_one_or_none()
    total = (held or 0) + qty
    check_qty(total, rules)
    await check_available(conn, sku_id=sku_id, qty=total)
    # The cart row is locked, so the line cannot change between the read above and this write.
    await conn.execute(
        insert(cart_lines)
        .values(
            id=new_id("cart_line"),
            cart_id=cart.id,
            sku_id=sku_id,
            qty=total,
            added_price=sku.price,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=["cart_id", "sku_id", "saved_for_later"],
            set_={"qty": total, "added_price": sku.price, "updated_at": now},
        )
    )
    await touch(conn, cart, now=now, rules=rules)
    if created:
        tx.emit(aggregate="cart", aggregate_id=cart.id, event_type="cart.created", payload={"cart_id": cart.id})
    tx.emit(
        aggregate="cart",
        aggregate_id=cart.id,
        event_type="cart.line_added",
        payload={
            "cart_id": cart.id,
            "user_id": cart.user_id,
            "sku_id": sku_id,
            "merchant_id": sku.merchant_id,
            "qty": qty,
        },
    )
    return Added(cart=await render_cart(conn, cart_id=cart.id, estimate=estimate, token=token), created=created)
