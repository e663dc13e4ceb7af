"""The SLI consumer: records per-merchant facts from events, and keeps the order-state projection that
stuck orders are counted from. It also feeds the per-merchant Prometheus counters after commit.

Why events and not reads of the orders/payments/inventory tables: the architecture's first rule is that a
context reads only its own tables; the figures then depend on the documented event catalogue alone, and
computing them costs the checkout path nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

from mercato.db.unit_of_work import Tx
from mercato.events.envelope import Event
from mercato.events.slis.tables import sli_facts, sli_order_states

if TYPE_CHECKING:
    from mercato.events.slis.metrics import SliMetrics

Fact = tuple[str, str, float]  # merchant_id, metric, value

_COUNTED: dict[str, str] = {
    "cart.line_added": "cart_adds",
    "checkout.started": "checkouts_started",
    "checkout.failed": "checkouts_failed",
    "payment.authorized": "authorizations_succeeded",
    "payment.captured": "captures_succeeded",
    "order.confirmed": "orders",
    "order.canceled": "orders_canceled",
    "order.refunded": "orders_refunded",
    "reservation.committed": "reservations_committed",
    "reservation.released": "reservations_released",
    "reservation.expired": "reservations_expired",
    "stock.oversold": "oversell_incidents",
}
_FAILED_OPERATIONS = {"authorize": "authorizations_failed", "capture": "captures_failed"}
_PSP_EVENTS = {"payment.authorized", "payment.captured", "payment.voided", "payment.refunded", "payment.failed"}
_ORDER_STATUS = {"order.confirmed": "confirmed", "order.delivered": "delivered"}


def _merchants(payload: dict[str, Any]) -> list[str]:
    ids = payload.get("merchant_ids")
    if isinstance(ids, list):
        return sorted({str(i) for i in ids})
    return [str(payload["merchant_id"])] if payload.get("merchant_id") else []


def facts_of(event: Event) -> Iterator[Fact]:
    """The facts an event contributes, one per merchant it concerns."""
    payload = event.payload
    for merchant in _merchants(payload):
        if event.type in _COUNTED:
            yield merchant, _COUNTED[event.type], 1.0
        if event.type == "payment.failed" and payload.get("operation") in _FAILED_OPERATIONS:
            yield merchant, _FAILED_OPERATIONS[payload["operation"]], 1.0
        if event.type in _PSP_EVENTS and isinstance(payload.get("latency_ms"), int | float):
            yield merchant, "psp_latency_ms", float(payload["latency_ms"])
        if event.type == "order.confirmed" and isinstance(payload.get("tax_latency_ms"), int | float):
            yield merchant, "tax_latency_ms", float(payload["tax_latency_ms"])


class SliRecorder:
    """Writes SLI facts and the order-state projection in the dispatcher's transaction."""

    name = "slis"
    event_types: frozenset[str] | None = frozenset([*_COUNTED, *_PSP_EVENTS, "order.shipped", "order.delivered"])

    def __init__(self, metrics: SliMetrics | None = None) -> None:
        self.metrics = metrics

    def after_commit(self, event: Event) -> None:
        """Feed the Prometheus counters once the facts are committed (so a rolled-back batch counts nothing)."""
        if self.metrics is not None:
            self.metrics.count(event)

    async def handle(self, tx: Tx, event: Event) -> None:
        """Record the event's facts; move the order projection if it is an order event."""
        rows = [
            {"merchant_id": m, "metric": metric, "value": value, "occurred_at": event.created_at, "event_id": event.id}
            for m, metric, value in facts_of(event)
        ]
        if rows:
            await tx.conn.execute(insert(sli_facts), rows)
        if event.type.startswith("order."):
            await self._project_order(tx, event)

    async def _project_order(self, tx: Tx, event: Event) -> None:
        payload = event.payload
        status = _ORDER_STATUS.get(event.type) or payload.get("to")
        if not status or not payload.get("order_id"):
            return
        at: datetime = event.created_at
        statement = pg_insert(sli_order_states).values(
            order_id=payload["order_id"], merchant_ids=_merchants(payload), status=status, last_transition_at=at
        )
        await tx.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[sli_order_states.c.order_id],
                set_={"status": statement.excluded.status, "last_transition_at": statement.excluded.last_transition_at},
                where=sli_order_states.c.last_transition_at <= statement.excluded.last_transition_at,
            )
        )
