"""SLIs: per-merchant figures computed from facts the SLI consumer records from events."""

from mercato.events.slis.jobs import SliJobs
from mercato.events.slis.metrics import SliMetrics
from mercato.events.slis.recorder import SliRecorder
from mercato.events.slis.service import StuckAges, merchant_slis

__all__ = ["SliJobs", "SliMetrics", "SliRecorder", "StuckAges", "merchant_slis"]
