"""The consumer that turns merchant-visible events into one webhook delivery per subscribed endpoint.

Each merchant the event concerns gets only its own part of it (see `scope.py`); the deliveries are rows
written in the dispatcher's transaction, so each endpoint gets each event once, and the HTTP calls run
later in the delivery job, far from any checkout.
"""

from __future__ import annotations

from sqlalchemy import any_, literal, or_, select
from sqlalchemy.dialects.postgresql import insert

from mercato.db.unit_of_work import Tx
from mercato.events import MERCHANT_EVENT_TYPES, Event, event_type
from mercato.kernel.clock import Clock
from mercato.kernel.ids import new_id
from mercato.notifications.tables import webhook_deliveries as wd
from mercato.notifications.tables import webhook_endpoints as we
from mercato.notifications.webhooks.endpoints import ALL_EVENTS
from mercato.notifications.webhooks.scope import recipients, scope_for_merchant


class WebhookFanout:
    """Queues deliveries of merchant-visible events to the endpoints that chose them."""

    name = "merchant-webhooks"
    event_types: frozenset[str] | None = MERCHANT_EVENT_TYPES

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock

    async def handle(self, tx: Tx, event: Event) -> None:
        """One delivery per enabled endpoint of each merchant concerned that subscribed to this type."""
        merchants = recipients(event.payload)
        if not merchants:
            return
        endpoints = (
            await tx.conn.execute(
                select(we.c.id, we.c.merchant_id).where(
                    we.c.merchant_id.in_(merchants),
                    we.c.status == "enabled",
                    or_(literal(event.type) == any_(we.c.event_types), literal(ALL_EVENTS) == any_(we.c.event_types)),
                )
            )
        ).all()
        if not endpoints:
            return
        entry = event_type(event.type)
        hidden = entry.hidden_from_merchants if entry else ()
        now = self.clock.now()
        rows = [
            {
                "id": new_id("webhook_delivery"),
                "endpoint_id": endpoint.id,
                "merchant_id": endpoint.merchant_id,
                "event_id": event.id,
                "event_type": event.type,
                "body": event.envelope(scope_for_merchant(event.payload, endpoint.merchant_id, hidden)),
                "next_attempt_at": now,
                "created_at": now,
            }
            for endpoint in endpoints
        ]
        await tx.conn.execute(
            insert(wd).on_conflict_do_nothing(
                index_elements=[wd.c.endpoint_id, wd.c.event_id], index_where=wd.c.redelivery_of.is_(None)
            ),
            rows,
        )
