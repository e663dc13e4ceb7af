"""Carts under concurrent requests: one active cart per customer, and no lost updates within a cart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.cart import CartOwner, CartRules
from mercato.cart.services.add import add_to_cart
from mercato.db.unit_of_work import unit_of_work
from tests.inventory_factories import Db, insert_sku, stock, warehouse

RULES = CartRules(max_qty_per_line=10, guest_cart_ttl=timedelta(days=30))


async def test_concurrent_first_adds_of_one_customer_make_one_cart_and_lose_no_units(
    engine: AsyncEngine, db: Db
) -> None:
    skus = [insert_sku(db, merchant_id="mer_race") for _ in range(2)]
    wh = await warehouse(engine, merchant_id="mer_race")
    for sku in skus:
        await stock(engine, sku_id=sku, warehouse_id=wh, qty=100)
    owner = CartOwner(user_id="usr_racer")

    async def add_one(n: int) -> str:
        async with unit_of_work(engine) as tx:
            added = await add_to_cart(
                tx, owner=owner, sku_id=skus[n % 2], qty=1, cart_id=None, now=datetime.now(UTC), rules=RULES
            )
        return added.cart.id

    cart_ids = await asyncio.gather(*(add_one(n) for n in range(16)))
    assert len(set(cart_ids)) == 1
    async with engine.connect() as conn:
        carts = (await conn.execute(text("SELECT count(*) FROM carts WHERE user_id = 'usr_racer'"))).scalar_one()
        qtys = (await conn.execute(text("SELECT sku_id, qty FROM cart_lines ORDER BY sku_id"))).all()
    assert carts == 1
    assert sorted(q for _, q in qtys) == [8, 8]
