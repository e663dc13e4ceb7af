"""The worker's stock audit: an invariant breach becomes one stock.oversold incident, however often the
audit runs and however many workers run it, and a consistent stock reports nothing."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.events import validate_payload
from mercato.inventory.jobs import audit_stock
from mercato.kernel.clock import SystemClock
from tests.inventory_factories import Db, insert_sku, stock, warehouse

MERCHANT = "mer_audited"


async def test_a_breach_is_reported_once_as_stock_oversold(engine: AsyncEngine, db: Db) -> None:
    sku_id = insert_sku(db, merchant_id=MERCHANT)
    warehouse_id = await warehouse(engine, merchant_id=MERCHANT)
    await stock(engine, sku_id=sku_id, warehouse_id=warehouse_id, qty=3)
    assert await audit_stock(engine, SystemClock()) == 0  # consistent: nothing to report

    # Units sold off the books: on hand drops with no ledger row (what a bug or a hand edit would do).
    db.execute("UPDATE inventory SET on_hand = 1 WHERE sku_id = %s", (sku_id,))
    runs = await asyncio.gather(*(audit_stock(engine, SystemClock()) for _ in range(3)))
    assert sorted(runs) == [0, 0, 1]
    assert await audit_stock(engine, SystemClock()) == 0

    async with engine.connect() as conn:
        [payload] = (
            await conn.execute(text("SELECT payload FROM outbox WHERE event_type = 'stock.oversold'"))
        ).scalars()
    assert validate_payload("stock.oversold", payload) == []
    assert (payload["sku_id"], payload["warehouse_id"], payload["merchant_id"]) == (sku_id, warehouse_id, MERCHANT)
    assert "on_hand=1 (ledger 3)" in payload["detail"]
