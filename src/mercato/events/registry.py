"""Consumers and the registry that routes each event type to the consumers that want it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from mercato.db.unit_of_work import Tx
from mercato.events.envelope import Event


class ConsumerUnavailable(Exception):
    """Raised by a consumer whose downstream is down (NATS, SMTP): the dispatcher records the failure
    and stops the batch instead of trying every other event against the same outage."""


class Consumer(Protocol):
    """Something that reacts to events. `handle` runs inside the transaction that also marks the event
    delivered to this consumer, so its database writes happen exactly once per event; any other side
    effect (a network call) happens at least once and must be idempotent by `event.id`."""

    @property
    def name(self) -> str: ...

    @property
    def event_types(self) -> frozenset[str] | None:
        """The event types it wants; None for every event."""
        ...

    async def handle(self, tx: Tx, event: Event) -> None: ...


class ConsumerRegistry:
    """The consumers of one worker, by unique name."""

    def __init__(self, consumers: Iterable[Consumer] = ()) -> None:
        self._consumers: dict[str, Consumer] = {}
        for consumer in consumers:
            self.register(consumer)

    def register(self, consumer: Consumer) -> None:
        """Add a consumer; names are unique because delivery progress is kept per name."""
        if consumer.name in self._consumers:
            raise ValueError(f"a consumer named {consumer.name!r} is already registered")
        self._consumers[consumer.name] = consumer

    def __iter__(self) -> Iterator[Consumer]:
        return iter(self._consumers.values())

    def names(self) -> list[str]:
        """Every registered consumer's name."""
        return list(self._consumers)

    def get(self, name: str) -> Consumer:
        """The consumer registered under `name`."""
        return self._consumers[name]

    def subscribers(self, event_type: str) -> list[str]:
        """Names of the consumers that want events of `event_type`."""
        return [c.name for c in self._consumers.values() if c.event_types is None or event_type in c.event_types]
