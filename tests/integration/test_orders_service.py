"""Orders on real PostgreSQL: creation with snapshots, views per audience, shipment-driven transitions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event as sql_events
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.kernel.errors import InvalidTransition, NotFound
from mercato.kernel.ids import new_id
from mercato.kernel.paging import CursorCodec
from mercato.orders import (
    NewOrder,
    NewOrderItem,
    NewShipment,
    OrderEvent,
    ShipmentEvent,
    Totals,
    apply_order_event,
    create_confirmed_order,
    list_customer_orders,
    list_merchant_orders,
    merchant_order_view,
    move_shipment,
    order_view,
)
from mercato.payments import create_payment

ADDRESS = {
    "name": "Ada",
    "line1": "1 Main St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "country": "US",
}


def _item(merchant: str, qty: int, price: int, tax: int) -> NewOrderItem:
    return NewOrderItem(
        id=new_id("order_item"),
        sku_id=new_id("sku"),
        product_id=new_id("product"),
        merchant_id=merchant,
        name="Thing",
        qty=qty,
        unit_price=price,
        tax=tax,
        discount=0,
        digital=False,
    )


def two_merchant_order(user_id: str = "usr_buyer") -> tuple[NewOrder, str, str]:
    m1, m2 = new_id("merchant"), new_id("merchant")
    s1 = NewShipment(
        id=new_id("shipment"), merchant_id=m1, warehouse_id="wh_a", shipping=500, items=[_item(m1, 2, 1000, 160)]
    )
    s2 = NewShipment(
        id=new_id("shipment"), merchant_id=m2, warehouse_id="wh_b", shipping=700, items=[_item(m2, 1, 3000, 240)]
    )
    order = NewOrder(
        id=new_id("order"),
        user_id=user_id,
        checkout_id=new_id("checkout"),
        currency="usd",
        totals=Totals(subtotal=5000, shipping_total=1200, tax_total=400, discount_total=0),
        tax_estimated=False,
        coupon_code=None,
        shipping_address=ADDRESS,
        shipments=[s1, s2],
    )
    return order, m1, m2


async def _create(engine: AsyncEngine, order: NewOrder) -> None:
    async with unit_of_work(engine) as tx:
        await create_confirmed_order(tx, order=order, actor="usr_buyer")


async def test_created_order_is_confirmed_with_history_and_outbox_event(engine: AsyncEngine) -> None:
    order, _, _ = two_merchant_order()
    await _create(engine, order)
    async with engine.connect() as conn:
        view = await order_view(conn, order_id=order.id, user_id="usr_buyer")
        events = (await conn.exec_driver_sql("SELECT event_type FROM outbox")).scalars().all()
    assert view["status"] == "confirmed"
    assert view["total"] == 5000 + 1200 + 400
    assert [(h["from"], h["to"]) for h in view["history"]] == [(None, "created"), ("created", "confirmed")]
    assert len(view["shipments"]) == 2 and len(view["items"]) == 2
    assert events == ["order.confirmed"]


async def test_another_customers_order_is_not_found(engine: AsyncEngine) -> None:
    order, _, _ = two_merchant_order()
    await _create(engine, order)
    async with engine.connect() as conn:
        with pytest.raises(NotFound):
            await order_view(conn, order_id=order.id, user_id="usr_someone_else")
        assert (await order_view(conn, order_id=order.id, user_id=None))["id"] == order.id  # admin
        with pytest.raises(NotFound):
            await order_view(conn, order_id="ord_not-even-an-id", user_id=None)


async def test_merchant_sees_only_its_items_shipments_and_share(engine: AsyncEngine) -> None:
    order, m1, m2 = two_merchant_order()
    await _create(engine, order)
    async with engine.connect() as conn:
        first = await merchant_order_view(conn, order_id=order.id, merchant_id=m1)
        second = await merchant_order_view(conn, order_id=order.id, merchant_id=m2)
        with pytest.raises(NotFound):
            await merchant_order_view(conn, order_id=order.id, merchant_id=new_id("merchant"))
    assert (first["subtotal"], first["shipping_total"], first["tax_total"], first["total"]) == (2000, 500, 160, 2660)
    assert (second["subtotal"], second["shipping_total"], second["tax_total"], second["total"]) == (
        3000,
        700,
        240,
        3940,
    )
    assert first["total"] + second["total"] == order.totals.total
    assert {i["merchant_id"] for i in first["items"]} == {m1}
    assert [s["merchant_id"] for s in second["shipments"]] == [m2]


async def test_order_ships_with_first_shipment_and_delivers_with_last(engine: AsyncEngine) -> None:
    order, m1, m2 = two_merchant_order()
    await _create(engine, order)
    s1, s2 = order.shipments
    async with unit_of_work(engine) as tx:
        move = await move_shipment(
            tx,
            shipment_id=s1.id,
            event=ShipmentEvent.SHIP,
            actor="staff",
            merchant_id=m1,
            carrier="ups",
            tracking_number="1Z",
        )
    assert move.amount == 2 * 1000 + 160 + 500
    for shipment, merchant, event in [(s2, m2, ShipmentEvent.SHIP), (s1, m1, ShipmentEvent.DELIVER)]:
        async with unit_of_work(engine) as tx:
            await move_shipment(tx, shipment_id=shipment.id, event=event, actor="staff", merchant_id=merchant)
    async with engine.connect() as conn:
        assert (await order_view(conn, order_id=order.id, user_id=None))["status"] == "shipped"
    async with unit_of_work(engine) as tx:
        await move_shipment(tx, shipment_id=s2.id, event=ShipmentEvent.DELIVER, actor="carrier", merchant_id=m2)
    async with engine.connect() as conn:
        view = await order_view(conn, order_id=order.id, user_id=None)
    assert view["status"] == "delivered"
    assert [h["to"] for h in view["history"]] == ["created", "confirmed", "shipped", "delivered"]


async def test_other_merchant_cannot_ship_a_shipment(engine: AsyncEngine) -> None:
    order, _m1, m2 = two_merchant_order()
    await _create(engine, order)
    with pytest.raises(NotFound):
        async with unit_of_work(engine) as tx:
            await move_shipment(
                tx, shipment_id=order.shipments[0].id, event=ShipmentEvent.SHIP, actor="x", merchant_id=m2
            )


async def test_canceling_a_shipped_order_is_an_invalid_transition(engine: AsyncEngine) -> None:
    order, m1, _ = two_merchant_order()
    await _create(engine, order)
    async with unit_of_work(engine) as tx:
        await move_shipment(tx, shipment_id=order.shipments[0].id, event=ShipmentEvent.SHIP, actor="s", merchant_id=m1)
    with pytest.raises(InvalidTransition):
        async with unit_of_work(engine) as tx:
            await apply_order_event(tx, order_id=order.id, event=OrderEvent.CANCEL, actor="usr_buyer")


async def test_concurrent_ships_of_one_shipment_let_exactly_one_win(engine: AsyncEngine) -> None:
    order, m1, _ = two_merchant_order()
    await _create(engine, order)

    async def ship() -> bool:
        try:
            async with unit_of_work(engine) as tx:
                await move_shipment(
                    tx, shipment_id=order.shipments[0].id, event=ShipmentEvent.SHIP, actor="s", merchant_id=m1
                )
            return True
        except InvalidTransition:
            return False

    results = await asyncio.gather(*(ship() for _ in range(10)))
    assert results.count(True) == 1
    async with engine.connect() as conn:
        view = await order_view(conn, order_id=order.id, user_id=None)
    assert [h["to"] for h in view["history"]].count("shipped") == 1


async def test_order_lists_cost_the_same_few_statements_whatever_the_page_size(engine: AsyncEngine) -> None:
    """A page of orders is read in one statement with every order's parts (and one for the payments), and
    each listed order reads exactly as it does alone."""
    buyer, merchant = new_id("user"), new_id("merchant")
    placed = []
    for n in range(4):
        order, _, _ = two_merchant_order(user_id=buyer)
        ours = order.shipments[0]  # one merchant's shipment in every order, so its list pages too
        ours = replace(ours, merchant_id=merchant, items=[replace(i, merchant_id=merchant) for i in ours.items])
        order = replace(order, shipments=[ours, order.shipments[1]])
        await _create(engine, order)
        if n % 2 == 0:  # some orders with a payment, some without
            async with unit_of_work(engine) as tx:
                await create_payment(
                    tx, checkout_id=order.checkout_id or "", user_id=buyer, amount=6600, currency="usd"
                )
        placed.append(order)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    codec = CursorCodec(b"test")
    sql_events.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        costs: dict[tuple[str, int], int] = {}
        pages: dict[tuple[str, int], list[dict[str, Any]]] = {}
        async with engine.connect() as conn:
            for limit in (1, 4):
                statements.clear()
                pages["customer", limit] = (
                    await list_customer_orders(conn, user_id=buyer, limit=limit, cursor=None, cursors=codec)
                )["items"]
                costs["customer", limit] = len(statements)
                statements.clear()
                pages["merchant", limit] = (
                    await list_merchant_orders(conn, merchant_id=merchant, limit=limit, cursor=None, cursors=codec)
                )["items"]
                costs["merchant", limit] = len(statements)
    finally:
        sql_events.remove(engine.sync_engine, "before_cursor_execute", count)
    # the page of ids, the orders with their parts, the payments (the merchant's view shows none)
    assert costs == {("customer", 1): 3, ("customer", 4): 3, ("merchant", 1): 2, ("merchant", 4): 2}
    async with engine.connect() as conn:
        alone = [await order_view(conn, order_id=o.id, user_id=buyer) for o in reversed(placed)]
        shares = [await merchant_order_view(conn, order_id=o["id"], merchant_id=merchant) for o in alone]
    assert pages["customer", 4] == alone and pages["customer", 1] == alone[:1]
    assert [view["payment"] is not None for view in alone] == [False, True, False, True]
    assert pages["merchant", 4] == shares and pages["merchant", 1] == shares[:1]
    assert all({i["merchant_id"] for i in share["items"]} == {merchant} for share in shares)
