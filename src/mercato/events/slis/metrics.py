"""Prometheus series of the SLIs, labelled per merchant where a merchant acts on them (funnel, payment
outcomes, reservations, oversell, stuck orders); latencies are per provider only (histograms × merchants
would multiply series by the bucket count). One series per merchant and stage is fine to ~10^4 merchants;
past that, drop the merchant label here and read per-merchant figures from `/v1/merchant/slis`."""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.events.envelope import Event
from mercato.events.slis.recorder import facts_of
from mercato.events.slis.service import StuckAges
from mercato.events.slis.tables import sli_order_states as o

_FUNNEL = {
    "cart_adds": "cart",
    "checkouts_started": "checkout_started",
    "authorizations_succeeded": "authorized",
    "orders": "order",
}
_PAYMENTS = {
    "authorizations_succeeded": ("authorize", "succeeded"),
    "authorizations_failed": ("authorize", "failed"),
    "captures_succeeded": ("capture", "succeeded"),
    "captures_failed": ("capture", "failed"),
}
_RESERVATIONS = {
    "reservations_committed": "committed",
    "reservations_released": "released",
    "reservations_expired": "expired",
}
_LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


class SliMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.funnel = Counter(
            "mercato_checkout_funnel_total",
            "Checkout funnel steps (cart, checkout_started, authorized, order)",
            ["merchant_id", "stage"],
            registry=registry,
        )
        self.payments = Counter(
            "mercato_payment_operations_total",
            "PSP authorizations and captures by outcome",
            ["merchant_id", "operation", "outcome"],
            registry=registry,
        )
        self.reservations = Counter(
            "mercato_reservations_ended_total",
            "Reservations that ended: committed, released or expired",
            ["merchant_id", "outcome"],
            registry=registry,
        )
        self.oversell = Counter(
            "mercato_oversell_incidents_total",
            "Units committed beyond stock (must stay 0)",
            ["merchant_id"],
            registry=registry,
        )
        self.psp_latency = Histogram(
            "mercato_psp_latency_seconds",
            "PSP round trip per operation, from payment events",
            ["provider"],
            registry=registry,
            buckets=_LATENCY_BUCKETS,
        )
        self.tax_latency = Histogram(
            "mercato_tax_latency_seconds",
            "Tax provider time per confirmed order",
            registry=registry,
            buckets=_LATENCY_BUCKETS,
        )
        self.stuck = Gauge(
            "mercato_orders_stuck", "Orders with no transition past the stuck age", ["merchant_id"], registry=registry
        )
        self._stuck_merchants: set[str] = set()

    def count(self, event: Event) -> None:
        """Count a delivered event (called after its batch committed)."""
        for merchant, metric, _value in facts_of(event):
            if metric in _FUNNEL:
                self.funnel.labels(merchant, _FUNNEL[metric]).inc()
            if metric in _PAYMENTS:
                self.payments.labels(merchant, *_PAYMENTS[metric]).inc()
            if metric in _RESERVATIONS:
                self.reservations.labels(merchant, _RESERVATIONS[metric]).inc()
            if metric == "oversell_incidents":
                self.oversell.labels(merchant).inc()
        provider = str(event.payload.get("provider") or "unknown")
        latency = event.payload.get("latency_ms")
        if event.type.startswith("payment.") and isinstance(latency, int | float):
            self.psp_latency.labels(provider).observe(latency / 1000)
        tax_latency = event.payload.get("tax_latency_ms")
        if event.type == "order.confirmed" and isinstance(tax_latency, int | float):
            self.tax_latency.observe(tax_latency / 1000)

    async def refresh_stuck(self, engine: AsyncEngine, *, now: datetime, ages: StuckAges) -> int:
        """Set the stuck-order gauge per merchant (merchants back to 0 are reset, not left stale)."""
        merchant = func.unnest(o.c.merchant_ids).label("merchant_id")
        stuck_filter = or_(
            and_(o.c.status.in_(("created", "confirmed")), o.c.last_transition_at < now - ages.open_orders),
            and_(o.c.status == "shipped", o.c.last_transition_at < now - ages.shipped_orders),
        )
        inner = select(merchant).where(stuck_filter).subquery()
        async with engine.connect() as conn:
            rows: dict[str, int] = dict(
                (await conn.execute(select(inner.c.merchant_id, func.count()).group_by(inner.c.merchant_id))).all()
            )
        for gone in self._stuck_merchants - set(rows):
            self.stuck.labels(gone).set(0)
        for merchant_id, n in rows.items():
            self.stuck.labels(merchant_id).set(n)
        self._stuck_merchants = set(rows)
        return sum(rows.values())


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Facts older than this are deleted (windows reach back 7 days)."""
    return now - timedelta(days=days)
