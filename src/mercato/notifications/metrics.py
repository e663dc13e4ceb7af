"""Prometheus metrics of customer notifications and merchant webhooks (labels: channel, category,
outcome, and merchant for webhooks: one series per merchant and outcome is the useful granularity)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class NotificationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.queued = Counter(
            "mercato_notifications_queued_total",
            "Customer messages rendered and queued",
            ["channel", "category"],
            registry=registry,
        )
        self.suppressed = Counter(
            "mercato_notifications_suppressed_total",
            "Messages not sent because the customer turned them off",
            ["channel", "category"],
            registry=registry,
        )
        self.sent = Counter(
            "mercato_notifications_sent_total",
            "Messages handed to the SMTP server or SMS provider",
            ["channel", "category"],
            registry=registry,
        )
        self.send_failures = Counter(
            "mercato_notification_send_failures_total",
            "Failed send attempts (retried)",
            ["channel"],
            registry=registry,
        )
        self.given_up = Counter(
            "mercato_notifications_failed_total",
            "Messages given up after the last attempt",
            ["channel"],
            registry=registry,
        )
        self.webhook_attempts = Counter(
            "mercato_webhook_attempts_total",
            "Webhook delivery attempts by outcome (succeeded, failed, dead)",
            ["merchant_id", "outcome"],
            registry=registry,
        )
        self.webhook_latency = Histogram(
            "mercato_webhook_attempt_duration_seconds",
            "Time a merchant endpoint took to answer",
            registry=registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.webhook_backlog = Gauge(
            "mercato_webhook_deliveries_pending", "Webhook deliveries waiting for (re)delivery", registry=registry
        )
        self.webhook_dead = Gauge(
            "mercato_webhook_deliveries_dead",
            "Webhook deliveries dead-lettered in the retention window",
            registry=registry,
        )
