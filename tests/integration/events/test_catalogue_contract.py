"""The event catalogue is a contract: what the real services emit conforms to the documented schemas,
and merchant-scoped copies of a multi-merchant order show each merchant only its own part."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.db.unit_of_work import unit_of_work
from mercato.events import CATALOGUE, validate_payload
from mercato.events.docs import render_events_markdown
from mercato.notifications.webhooks.scope import recipients, scope_for_merchant
from mercato.orders import ShipmentEvent, create_confirmed_order, move_shipment
from tests.conftest import ROOT
from tests.integration.test_orders_service import two_merchant_order


async def _outbox(engine: AsyncEngine) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT event_type, payload FROM outbox ORDER BY seq"))
        return [(row.event_type, row.payload) for row in rows]


async def test_what_the_orders_context_emits_conforms_to_the_catalogue(engine: AsyncEngine) -> None:
    order, _, _ = two_merchant_order()
    async with unit_of_work(engine) as tx:
        await create_confirmed_order(tx, order=order, actor="usr_buyer")
    for shipment in order.shipments:
        for step in (ShipmentEvent.SHIP, ShipmentEvent.DELIVER):
            async with unit_of_work(engine) as tx:
                await move_shipment(
                    tx, shipment_id=shipment.id, event=step, actor="staff", carrier="UPS", tracking_number="1Z1"
                )
    emitted = await _outbox(engine)
    assert {t for t, _ in emitted} >= {"order.confirmed", "order.shipped", "order.delivered", "shipment.shipped"}
    for event_type, payload in emitted:
        assert validate_payload(event_type, payload) == [], (event_type, payload)


async def test_a_merchant_sees_only_its_own_part_of_a_shared_order(engine: AsyncEngine) -> None:
    order, m1, m2 = two_merchant_order()
    async with unit_of_work(engine) as tx:
        await create_confirmed_order(tx, order=order, actor="usr_buyer")
    [(_, payload)] = await _outbox(engine)
    assert recipients(payload) == sorted([m1, m2])
    hidden = CATALOGUE["order.confirmed"].hidden_from_merchants
    mine = scope_for_merchant(payload, m1, hidden)
    assert mine["merchant_ids"] == [m1]
    assert {i["merchant_id"] for i in mine["items"]} == {m1}
    assert [s["merchant_id"] for s in mine["shipments"]] == [m1]
    assert mine["merchant_totals"] == [  # 2 × 1000 + 160 tax + 500 shipping
        {"merchant_id": m1, "subtotal": 2000, "shipping_total": 500, "tax_total": 160, "total": 2660}
    ]
    assert "total" not in mine
    assert "subtotal" not in mine
    assert mine["shipping_address"] == payload["shipping_address"]


def test_docs_events_md_is_generated_from_the_catalogue() -> None:
    documented = (ROOT / "docs" / "events.md").read_text()
    assert documented == render_events_markdown(), "regenerate: python -m mercato.events.docs > docs/events.md"


def test_every_catalogued_type_is_named_aggregate_dot_event() -> None:
    for name, entry in CATALOGUE.items():
        aggregate, _, event = name.partition(".")
        assert aggregate and event and entry.aggregate == aggregate


def test_every_event_type_the_code_emits_is_catalogued() -> None:
    literal = re.compile(r'event_type="([a-z_]+\.[a-z_]+)"|"((?:order|shipment)\.[a-z_]+)"')
    emitted: set[str] = set()
    for path in (ROOT / "src" / "mercato").rglob("*.py"):
        if path.parts[-2] in ("events", "payloads", "notifications", "slis", "webhooks"):
            continue
        for match in literal.finditer(path.read_text()):
            emitted.add(match.group(1) or match.group(2))
    assert {"order.confirmed", "payment.authorized", "checkout.completed"} <= emitted
    assert emitted - set(CATALOGUE) == set()
    for name in ("created", "shipped", "delivered", "canceled", "pending"):  # f"shipment.{state}"
        assert f"shipment.{name}" in CATALOGUE or name in ("created", "pending")


def test_every_catalogued_type_is_emitted_by_some_emitter() -> None:
    """The catalogue documents no event that nothing emits (the payload tests of each emitter check what
    it emits; this checks that every entry has one)."""
    emitters = "\n".join(
        path.read_text()
        for path in (ROOT / "src" / "mercato").rglob("*.py")
        if not ({"events", "notifications"} & set(path.relative_to(ROOT / "src" / "mercato").parts[:1]))
    )
    # shipment.<state> is formatted from the shipment's new state (`f"shipment.{target.value}"`)
    missing = [
        e.name for e in CATALOGUE.values() if f'"{e.name}"' not in emitters and f'f"{e.aggregate}.{{' not in emitters
    ]
    assert missing == [], "catalogued but never emitted"
