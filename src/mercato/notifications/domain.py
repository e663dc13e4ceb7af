"""Notification rules with no I/O: categories and channels, what each event tells the customer, the
preference defaults, and the retry schedules of e-mail and webhooks."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """What a customer can turn off, per channel."""

    ORDER_UPDATES = "order_updates"
    CART_REMINDERS = "cart_reminders"
    BACK_IN_STOCK = "back_in_stock"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


# With nothing stored, every e-mail is on, and SMS (once a phone number is given) only for order updates.
DEFAULTS: dict[Channel, dict[Category, bool]] = {
    Channel.EMAIL: dict.fromkeys(Category, True),
    Channel.SMS: {Category.ORDER_UPDATES: True, Category.CART_REMINDERS: False, Category.BACK_IN_STOCK: False},
}


@dataclass(frozen=True, slots=True)
class Message:
    """Which template an event renders to, in which category, for which customer."""

    template: str
    category: Category


MESSAGES: dict[str, Message] = {
    "order.confirmed": Message("order_confirmed", Category.ORDER_UPDATES),
    "shipment.shipped": Message("order_shipped", Category.ORDER_UPDATES),  # one per parcel, with tracking
    "order.delivered": Message("order_delivered", Category.ORDER_UPDATES),
    "order.canceled": Message("order_canceled", Category.ORDER_UPDATES),
    "order.refunded": Message("order_refunded", Category.ORDER_UPDATES),
    "reservation.expiring": Message("reservation_expiring", Category.CART_REMINDERS),
    "stock.back_in_stock": Message("back_in_stock", Category.BACK_IN_STOCK),
}


@dataclass(frozen=True, slots=True)
class Preferences:
    """A customer's effective choices: the stored overrides laid over the defaults."""

    phone: str | None
    email: dict[Category, bool]
    sms: dict[Category, bool]

    def allows(self, channel: Channel, category: Category) -> bool:
        """Whether a message of `category` may go out on `channel` (SMS also needs a phone number)."""
        if channel is Channel.SMS:
            return self.phone is not None and self.sms[category]
        return self.email[category]


def effective_preferences(phone: str | None, email: dict[str, Any], sms: dict[str, Any]) -> Preferences:
    """Merge stored overrides (unknown keys ignored) into the defaults."""

    def merged(channel: Channel, stored: dict[str, Any]) -> dict[Category, bool]:
        return {c: bool(stored.get(c.value, DEFAULTS[channel][c])) for c in Category}

    return Preferences(phone=phone, email=merged(Channel.EMAIL, email), sms=merged(Channel.SMS, sms))


def notification_retry_delay(attempts: int) -> timedelta:
    """Backoff between e-mail/SMS attempts: 30 s, 1 min, 2 min, … capped at 30 minutes."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def webhook_retry_delay(attempts: int, *, base_seconds: float, max_delay_seconds: float) -> timedelta:
    """Exponential backoff with ±10 % jitter after the `attempts`-th failure (base, 2×base, 4×base, …, capped),
    so that endpoints coming back from an outage are not hit by every retry at once."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), max_delay_seconds)
    return timedelta(seconds=delay * random.uniform(0.9, 1.1))
