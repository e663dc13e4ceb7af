"""Signed webhook delivery, as Stripe does it: `Stripe-Signature: t=<ts>,v1=<hmac-sha256>` and retries.

Deliveries are stored before they are attempted, so a restart resumes them; a failed delivery is retried
with exponential backoff up to `webhook_max_attempts` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
from typing import Any

import httpx
import orjson

from mercato.payments.sandbox.config import SandboxConfig
from mercato.payments.sandbox.errors import new_object_id
from mercato.payments.sandbox.store import FileStore


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value for a payload."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookSender:
    """Queues events for the configured URL and delivers them, now or in the background."""

    def __init__(self, store: FileStore, config: SandboxConfig) -> None:
        self.store = store
        self.config = config
        self.client = httpx.AsyncClient(timeout=5.0)
        self._wake = asyncio.Event()

    def enqueue(self, events: list[dict[str, Any]], *, inline: bool = False) -> list[dict[str, Any]]:
        """Store a pending delivery per event (if a webhook URL is configured).

        `inline` deliveries are left to the caller (the background loop only retries them on failure).
        """
        if not self.config.webhook_url:
            return []
        deliveries = []
        for event in events:
            delivery = {
                "id": new_object_id("whd"),
                "event_id": event["id"],
                "url": self.config.webhook_url,
                "attempts": 0,
                "next_at": time.time() + (3600.0 if inline else 0.0),
                "delivered_at": None,
                "last_status": None,
            }
            self.store.put("delivery", delivery["id"], delivery)
            deliveries.append(delivery)
        if not inline:
            self._wake.set()
        return deliveries

    async def deliver(self, delivery: dict[str, Any]) -> bool:
        """One delivery attempt; records the outcome and schedules a retry on failure."""
        event = self.store.get("event", delivery["event_id"])
        if event is None:
            return False
        payload = orjson.dumps(event)
        header = sign_payload(payload, self.config.webhook_secret, int(time.time()))
        status: int | None
        try:
            response = await self.client.post(
                delivery["url"],
                content=payload,
                headers={"Content-Type": "application/json", "Stripe-Signature": header},
            )
            status = response.status_code
        except httpx.HTTPError:
            status = None
        updated = dict(delivery, attempts=delivery["attempts"] + 1, last_status=status)
        ok = status is not None and 200 <= status < 300
        if ok:
            updated["delivered_at"] = time.time()
        else:
            backoff = self.config.webhook_retry_base_seconds * 2 ** delivery["attempts"]
            updated["next_at"] = time.time() + min(backoff, 3600.0)
        self.store.put("delivery", updated["id"], updated)
        return ok

    def _due(self) -> list[dict[str, Any]]:
        now = time.time()
        return [
            d
            for d in self.store.all("delivery")
            if d["delivered_at"] is None and d["attempts"] < self.config.webhook_max_attempts and d["next_at"] <= now
        ]

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver due events until stopped."""
        while not stop.is_set():
            for delivery in self._due():
                await self.deliver(delivery)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.2)

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
