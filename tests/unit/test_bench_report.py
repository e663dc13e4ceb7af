"""docs/benchmarks.md keeps every benchmark's last section and replaces only the ones that ran."""

from __future__ import annotations

from bench.load import percentile
from bench.report import HEADER, Section, merge_sections


def test_a_fresh_section_replaces_its_old_version_and_keeps_the_others() -> None:
    old = merge_sections("", [Section("seed", "## Seed\nold seed"), Section("catalog_read", "## Read\nold")], [])

    new = merge_sections(old, [Section("catalog_read", "## Read\nnew figures")], ["catalog_read", "seed"])

    assert new.startswith(HEADER)
    assert "new figures" in new
    assert "## Read\nold" not in new
    assert "old seed" in new
    assert new.index("catalog_read:start") < new.index("seed:start")


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]

    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50.0, 95.0, 99.0)
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0], 0.99) == 3.0
