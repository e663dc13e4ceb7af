"""docs/operations.md lists every metric the API and the worker expose, each with its alert."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from mercato.events import EventMetrics
from mercato.events.slis import SliMetrics
from mercato.http.middleware import HttpMetrics
from mercato.notifications import NotificationMetrics
from tests.conftest import ROOT


def test_every_metric_is_documented_with_an_alert() -> None:
    registry = CollectorRegistry()
    HttpMetrics(registry)
    EventMetrics(registry)
    NotificationMetrics(registry)
    SliMetrics(registry)
    Counter("mercato_domain_errors_total", "as app.py registers it", ["code"], registry=registry)
    doc = (ROOT / "docs" / "operations.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in doc.splitlines() if line.startswith("| `mercato_")}
    names = set()
    for family in registry.collect():
        names.add(family.name + "_total" if family.type == "counter" else family.name)
    assert names - rows == set(), "undocumented metrics"
    assert rows - names == set(), "documented metrics that do not exist"
