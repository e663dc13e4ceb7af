"""An event as consumers see it, and the one JSON document it travels as (NATS, webhooks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mercato.kernel.clock import rfc3339


@dataclass(frozen=True, slots=True)
class Event:
    """One outbox event: who it is about (`aggregate`, `aggregate_id`), what happened, and its data."""

    id: str
    seq: int
    aggregate: str
    aggregate_id: str
    type: str
    version: int
    payload: dict[str, Any]
    created_at: datetime

    @property
    def aggregate_key(self) -> str:
        """The key events are ordered by: every event with the same key is delivered in outbox order."""
        return f"{self.aggregate}:{self.aggregate_id}"

    def subject(self, prefix: str = "mercato") -> str:
        """The NATS subject, `mercato.<aggregate>.<event>` (the type name is `<aggregate>.<event>`)."""
        return f"{prefix}.{self.type}"

    def envelope(self, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """The wire document: the event's identity and `data` (the payload, or a merchant-scoped copy)."""
        return {
            "id": self.id,
            "object": "event",
            "type": self.type,
            "version": self.version,
            "aggregate": self.aggregate,
            "aggregate_id": self.aggregate_id,
            "created_at": rfc3339(self.created_at),
            "data": self.payload if data is None else data,
        }
