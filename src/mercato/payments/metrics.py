"""Payment metrics (Prometheus): PSP call outcomes, latency, breaker state, unknown outcomes.

Success rates are ratios of the outcome counter, e.g. the authorization success rate per provider:
`sum by (provider) (rate(mercato_psp_calls_total{operation="authorize",outcome="succeeded"}[5m]))
 / sum by (provider) (rate(mercato_psp_calls_total{operation="authorize"}[5m]))`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

BREAKER_STATES = {"closed": 0, "half-opened": 1, "opened": 2}


class PaymentMetrics:
    """The payment context's instruments, registered on the process's registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.calls = Counter(
            "mercato_psp_calls_total",
            "PSP calls by provider, operation and final outcome"
            " (succeeded, declined, invalid, unavailable, unknown, breaker_open)",
            ["provider", "operation", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "mercato_psp_latency_seconds",
            "Latency of each PSP request, by provider and operation",
            ["provider", "operation"],
            registry=registry,
            buckets=(0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 2.0, 5.0, 10.0, 30.0),
        )
        self.breaker_state = Gauge(
            "mercato_psp_breaker_state",
            "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open",
            ["provider"],
            registry=registry,
        )
        self.unknown_outcomes = Counter(
            "mercato_payment_unknown_outcomes_total",
            "PSP attempts whose outcome a timeout or 5xx left unknown",
            ["provider", "operation"],
            registry=registry,
        )
        self.unknown_resolved = Counter(
            "mercato_payment_unknown_resolved_total",
            "Unknown attempts resolved, by how they turned out",
            ["provider", "resolution"],
            registry=registry,
        )
        self.unknown_attempts = Gauge(
            "mercato_payment_attempts_unknown",
            "Attempts currently unresolved (as last counted by reconciliation)",
            registry=registry,
        )
        self.fallbacks = Counter(
            "mercato_psp_fallbacks_total",
            "Authorizations that moved on from a provider because it was unavailable",
            ["provider"],
            registry=registry,
        )
