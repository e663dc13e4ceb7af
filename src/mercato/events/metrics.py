"""Prometheus metrics of event delivery; labelled by consumer only (a handful of values)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from mercato.events.dispatcher import DeliveryOutcome

OUTBOX_STAGE = "outbox"  # the `consumer` label value of events not yet fanned out


class EventMetrics:
    """Delivery counters (updated after each batch commits) and lag gauges (refreshed by `observe`)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.lag = Gauge(
            "mercato_event_lag_seconds",
            "Age of the oldest event not yet delivered to the consumer (consumer=outbox: not yet fanned out)",
            ["consumer"],
            registry=registry,
        )
        self.pending = Gauge(
            "mercato_events_pending", "Events waiting for the consumer", ["consumer"], registry=registry
        )
        self.dead_letters = Gauge(
            "mercato_events_dead_letters",
            "Events the consumer gave up on (kept until pruned)",
            ["consumer"],
            registry=registry,
        )
        self.delivered = Counter(
            "mercato_events_delivered_total", "Events delivered to the consumer", ["consumer"], registry=registry
        )
        self.failures = Counter(
            "mercato_event_delivery_failures_total", "Failed delivery attempts", ["consumer"], registry=registry
        )
        self.dead = Counter(
            "mercato_events_dead_lettered_total",
            "Events dead-lettered after too many failures",
            ["consumer"],
            registry=registry,
        )
        self.published = Counter(
            "mercato_outbox_published_total", "Outbox rows fanned out to consumers", registry=registry
        )

    def record(self, consumer: str, outcome: DeliveryOutcome) -> None:
        """Count one committed batch."""
        if outcome.delivered:
            self.delivered.labels(consumer).inc(outcome.delivered)
        if outcome.failed:
            self.failures.labels(consumer).inc(outcome.failed)
        if outcome.dead:
            self.failures.labels(consumer).inc(outcome.dead)
            self.dead.labels(consumer).inc(outcome.dead)
