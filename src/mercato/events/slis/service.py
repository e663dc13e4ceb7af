"""The merchant's SLIs over a window, computed from the facts the SLI consumer recorded (and only from
them: no other context's table is read, so the figures depend on the event catalogue alone).

Rates are null, not zero, when nothing happened in the window (no attempts means no rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, any_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mercato.events.slis.tables import sli_facts as f
from mercato.events.slis.tables import sli_order_states as o
from mercato.kernel.clock import rfc3339
from mercato.kernel.errors import ValidationFailed

WINDOWS: dict[str, timedelta] = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
_LATENCIES = ("psp_latency_ms", "tax_latency_ms")


@dataclass(frozen=True, slots=True)
class StuckAges:
    """How long an order may sit in a state before it counts as stuck."""

    open_orders: timedelta = timedelta(hours=24)  # created or confirmed
    shipped_orders: timedelta = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class MerchantSlis:
    merchant_id: str
    window: str
    window_start: str
    window_end: str
    counts: dict[str, int] = field(default_factory=dict)
    stuck_orders: int = 0
    psp_latency_p95_ms: float | None = None
    tax_latency_p95_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The API answer: every figure as a top-level field."""
        c = self.counts
        return {
            "object": "merchant_slis",
            "merchant_id": self.merchant_id,
            "window": self.window,
            "window_start": self.window_start,
            "window_end": self.window_end,
            **c,
            "checkout_conversion_rate": _rate(c["orders"], c["checkouts_started"]),
            "authorization_success_rate": _rate(
                c["authorizations_succeeded"], c["authorizations_succeeded"] + c["authorizations_failed"]
            ),
            "capture_success_rate": _rate(c["captures_succeeded"], c["captures_succeeded"] + c["captures_failed"]),
            "reserve_to_commit_rate": _rate(c["reservations_committed"], _ended(c)),
            "reservation_expiry_rate": _rate(c["reservations_expired"], _ended(c)),
            "stuck_orders": self.stuck_orders,
            "psp_latency_p95_ms": self.psp_latency_p95_ms,
            "tax_latency_p95_ms": self.tax_latency_p95_ms,
        }


COUNTS = (
    "cart_adds",
    "checkouts_started",
    "checkouts_failed",
    "authorizations_succeeded",
    "authorizations_failed",
    "captures_succeeded",
    "captures_failed",
    "orders",
    "orders_canceled",
    "orders_refunded",
    "reservations_committed",
    "reservations_released",
    "reservations_expired",
    "oversell_incidents",
)


def _ended(c: dict[str, int]) -> int:
    return c["reservations_committed"] + c["reservations_released"] + c["reservations_expired"]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def parse_window(window: str) -> timedelta:
    """The window's length; anything but 1h, 24h or 7d is a 422."""
    if window not in WINDOWS:
        raise ValidationFailed("window must be one of 1h, 24h, 7d", field="query.window")
    return WINDOWS[window]


async def merchant_slis(
    conn: AsyncConnection, *, merchant_id: str, window: str, now: datetime, stuck: StuckAges
) -> MerchantSlis:
    """The merchant's figures for the window ending now (read-only: facts and the order projection)."""
    start = now - parse_window(window)
    in_window = and_(f.c.merchant_id == merchant_id, f.c.occurred_at > start, f.c.occurred_at <= now)
    counted: dict[str, int] = dict(
        (
            await conn.execute(
                select(f.c.metric, func.count()).where(in_window, f.c.metric.in_(COUNTS)).group_by(f.c.metric)
            )
        ).all()
    )
    p95: dict[str, float] = dict(
        (
            await conn.execute(
                select(f.c.metric, func.percentile_cont(0.95).within_group(f.c.value))
                .where(in_window, f.c.metric.in_(_LATENCIES))
                .group_by(f.c.metric)
            )
        ).all()
    )
    stuck_orders = (
        await conn.execute(
            select(func.count()).where(
                literal(merchant_id) == any_(o.c.merchant_ids),
                or_(
                    and_(o.c.status.in_(("created", "confirmed")), o.c.last_transition_at < now - stuck.open_orders),
                    and_(o.c.status == "shipped", o.c.last_transition_at < now - stuck.shipped_orders),
                ),
            )
        )
    ).scalar_one()
    return MerchantSlis(
        merchant_id=merchant_id,
        window=window,
        window_start=rfc3339(start),
        window_end=rfc3339(now),
        counts={name: int(counted.get(name, 0)) for name in COUNTS},
        stuck_orders=stuck_orders,
        psp_latency_p95_ms=_ms(p95.get("psp_latency_ms")),
        tax_latency_p95_ms=_ms(p95.get("tax_latency_ms")),
    )


def _ms(value: float | None) -> float | None:
    return round(float(value), 1) if value is not None else None
