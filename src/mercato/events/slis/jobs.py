"""Worker jobs of the SLIs: refresh the stuck-order gauge, delete facts past retention."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from mercato.events.slis.metrics import SliMetrics, retention_cutoff
from mercato.events.slis.service import StuckAges
from mercato.events.slis.tables import sli_facts, sli_order_states
from mercato.kernel.clock import Clock

_FINAL = ("delivered", "canceled", "refunded")


@dataclass(slots=True)
class SliJobs:
    metrics: SliMetrics
    stuck_ages: StuckAges
    retention_days: int = 8

    async def refresh_stuck(self, engine: AsyncEngine, clock: Clock) -> int:
        """Recount stuck orders per merchant into the gauge."""
        return await self.metrics.refresh_stuck(engine, now=clock.now(), ages=self.stuck_ages)

    async def prune(self, engine: AsyncEngine, clock: Clock) -> int:
        """Delete facts past retention, and finished orders' projection rows as old."""
        cutoff = retention_cutoff(clock.now(), self.retention_days)
        async with engine.begin() as conn:
            gone = await conn.execute(delete(sli_facts).where(sli_facts.c.occurred_at < cutoff))
            await conn.execute(
                delete(sli_order_states).where(
                    sli_order_states.c.status.in_(_FINAL), sli_order_states.c.last_transition_at < cutoff
                )
            )
        return gone.rowcount or 0
