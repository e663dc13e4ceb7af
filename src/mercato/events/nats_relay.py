"""The NATS JetStream relay: a consumer that publishes every event to `mercato.<aggregate>.<event>`.

The event id is the `Nats-Msg-Id`, so when a crash makes the dispatcher publish an event again, JetStream
drops the copy (within the stream's duplicate window). An aggregate's events are published one after
another, each only once the previous one is acknowledged and marked, so the stream holds them in order.
"""

from __future__ import annotations

import asyncio

import nats
import orjson
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from mercato.db.unit_of_work import Tx
from mercato.events.envelope import Event
from mercato.events.registry import ConsumerUnavailable

logger = structlog.get_logger("mercato.events.nats")


async def _log_nats_error(exc: Exception) -> None:
    """One warning line instead of the client's default traceback on every failed (re)connect."""
    logger.warning("nats_error", error=repr(exc))


class NatsRelay:
    """Publishes events to a JetStream stream, creating the stream if it is missing."""

    name = "nats"
    event_types: frozenset[str] | None = None
    max_attempts: int | None = None  # an outage must delay events, never dead-letter them

    def __init__(
        self,
        *,
        url: str,
        stream: str = "MERCATO",
        subject_prefix: str = "mercato",
        duplicate_window_seconds: float = 600.0,
        publish_timeout_seconds: float = 5.0,
    ) -> None:
        self.url = url
        self.stream = stream
        self.subject_prefix = subject_prefix
        self.duplicate_window_seconds = duplicate_window_seconds
        self.publish_timeout_seconds = publish_timeout_seconds
        self._client: Client | None = None
        self._js: JetStreamContext | None = None

    async def _jetstream(self) -> JetStreamContext:
        if self._js is not None and self._client is not None and self._client.is_connected:
            return self._js
        try:
            client = await asyncio.wait_for(
                nats.connect(
                    self.url,
                    connect_timeout=2,
                    max_reconnect_attempts=2,
                    reconnect_time_wait=0.25,
                    error_cb=_log_nats_error,
                ),
                timeout=5,
            )
        except Exception as exc:  # any failure to connect is an outage of the downstream
            raise ConsumerUnavailable(f"NATS is not reachable at {self.url}: {exc!r}") from exc
        js = client.jetstream()
        await self._ensure_stream(js)
        self._client, self._js = client, js
        return js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.subject_prefix}.>"],
                    storage=StorageType.FILE,
                    duplicate_window=self.duplicate_window_seconds,
                )
            )

    async def handle(self, tx: Tx, event: Event) -> None:
        """Publish and wait for JetStream's acknowledgement (a failure leaves the event pending)."""
        js = await self._jetstream()
        try:
            await js.publish(
                event.subject(self.subject_prefix),
                orjson.dumps(event.envelope()),
                timeout=self.publish_timeout_seconds,
                stream=self.stream,
                headers={
                    "Nats-Msg-Id": event.id,
                    "Mercato-Event-Type": event.type,
                    "Mercato-Event-Version": str(event.version),
                    "Mercato-Aggregate-Key": event.aggregate_key,
                },
            )
        except Exception as exc:  # timeouts and disconnects: try again later, stop this batch
            await self.close()
            raise ConsumerUnavailable(f"publishing {event.id} failed: {exc!r}") from exc

    async def close(self) -> None:
        """Drain and close the connection (the worker calls this when it stops)."""
        client, self._client, self._js = self._client, None, None
        if client is not None and not client.is_closed:
            await client.close()
