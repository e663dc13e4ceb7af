"""The consumer that turns order, reservation and stock events into customer messages.

It renders each message and stores it as a `pending` notification in the dispatcher's transaction, so a
message is queued exactly once per event and customer; the sender job does the network part. Categories
the customer turned off are not queued at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.catalog import sku_snapshots
from mercato.db.unit_of_work import Tx
from mercato.events import Event, event_type
from mercato.identity import get_user
from mercato.kernel.clock import Clock
from mercato.kernel.errors import NotFound
from mercato.kernel.ids import new_id
from mercato.notifications.domain import MESSAGES, Channel, Message
from mercato.notifications.metrics import NotificationMetrics
from mercato.notifications.preferences import get_preferences
from mercato.notifications.rendering import MessageRenderer
from mercato.notifications.subscriptions import take_waiting_subscribers
from mercato.notifications.tables import notifications


class CustomerNotifier:
    """Queues the customer messages of order.*, shipment.shipped, reservation.expiring and stock.back_in_stock."""

    name = "customer-notifications"
    event_types: frozenset[str] | None = frozenset(MESSAGES)

    def __init__(self, *, renderer: MessageRenderer, clock: Clock, metrics: NotificationMetrics) -> None:
        self.renderer, self.clock, self.metrics = renderer, clock, metrics

    async def handle(self, tx: Tx, event: Event) -> None:
        """Queue the event's message for each customer it concerns, on each channel they allow."""
        message = MESSAGES[event.type]
        entry = event_type(event.type)
        data: dict[str, Any] = (
            entry.payload.model_validate(event.payload).model_dump(by_alias=True) if entry else event.payload
        )
        context: dict[str, Any] = {"data": data, "event": event}
        if event.type == "stock.back_in_stock":
            snapshot = (await sku_snapshots(tx.conn, [data["sku_id"]])).get(data["sku_id"])
            context["product_name"] = snapshot.name if snapshot else "An item you wanted"
            user_ids = await take_waiting_subscribers(tx.conn, sku_id=data["sku_id"], now=self.clock.now())
        else:
            user_ids = [data["user_id"]]
        for user_id in user_ids:
            await self._queue(tx.conn, user_id, message, event, context)

    async def _queue(
        self, conn: AsyncConnection, user_id: str, message: Message, event: Event, context: dict[str, Any]
    ) -> None:
        try:
            user = await get_user(conn, user_id=user_id)
        except NotFound:
            return  # an account that no longer exists gets no mail
        preferences = await get_preferences(conn, user_id=user_id)
        rendered = self.renderer.render(message.template, {**context, "customer": {"name": user.name}})
        for channel, recipient in ((Channel.EMAIL, user.email), (Channel.SMS, preferences.phone)):
            if recipient is None:
                continue
            if not preferences.allows(channel, message.category):
                self.metrics.suppressed.labels(channel.value, message.category.value).inc()
                continue
            is_email = channel is Channel.EMAIL
            await conn.execute(
                insert(notifications)
                .values(
                    id=new_id("notification"),
                    user_id=user_id,
                    event_id=event.id,
                    channel=channel.value,
                    category=message.category.value,
                    template=message.template,
                    recipient=recipient,
                    subject=rendered.subject if is_email else None,
                    body_text=rendered.text if is_email else rendered.sms,
                    body_html=rendered.html if is_email else None,
                    next_attempt_at=self.clock.now(),
                )
                .on_conflict_do_nothing()
            )
            self.metrics.queued.labels(channel.value, message.category.value).inc()
