"""Where a reservation takes its stock from: the destination's region first, then its country, then the
merchant's priority; the whole line from one warehouse when any can cover it, split only when none can."""

from __future__ import annotations

from mercato.inventory.domain import (
    Allocation,
    Destination,
    WarehouseStock,
    allocate_line,
    merge_lines,
    plan_allocation,
    proximity,
    rank_warehouses,
)

CA = Destination(country="US", region="CA")


def row(
    warehouse_id: str,
    available: int,
    *,
    country: str = "US",
    region: str = "CA",
    priority: int = 100,
    sku_id: str = "sku_a",
) -> WarehouseStock:
    return WarehouseStock(sku_id, warehouse_id, available, country, region, priority)


def test_same_region_beats_same_country_beats_abroad() -> None:
    local, domestic, abroad = row("wh_1", 5), row("wh_2", 5, region="NY"), row("wh_3", 5, country="DE", region="BE")
    assert [proximity(r, CA) for r in (local, domestic, abroad)] == [0, 1, 2]
    assert [r.warehouse_id for r in rank_warehouses([abroad, domestic, local], CA)] == ["wh_1", "wh_2", "wh_3"]


def test_region_and_country_match_case_insensitively() -> None:
    assert proximity(row("wh_1", 1, country="us", region="ca"), CA) == 0


def test_a_region_of_the_same_name_in_another_country_is_not_the_destination_region() -> None:
    assert proximity(row("wh_1", 1, country="CA", region="CA"), CA) == 2


def test_priority_orders_equally_near_warehouses_lower_first() -> None:
    ranked = rank_warehouses([row("wh_1", 5, priority=20), row("wh_2", 5, priority=10)], CA)
    assert [r.warehouse_id for r in ranked] == ["wh_2", "wh_1"]


def test_nearness_outranks_priority() -> None:
    ranked = rank_warehouses([row("wh_far", 5, region="NY", priority=1), row("wh_near", 5, priority=500)], CA)
    assert ranked[0].warehouse_id == "wh_near"


def test_without_a_destination_priority_decides() -> None:
    ranked = rank_warehouses([row("wh_1", 5, priority=3), row("wh_2", 5, priority=1)], Destination())
    assert [r.warehouse_id for r in ranked] == ["wh_2", "wh_1"]


def test_whole_line_comes_from_the_best_warehouse_that_can_cover_it() -> None:
    ranked = rank_warehouses([row("wh_near", 2), row("wh_far", 10, region="NY")], CA)
    assert allocate_line("sku_a", 5, ranked) == [Allocation("sku_a", "wh_far", 5)]
    assert allocate_line("sku_a", 2, ranked) == [Allocation("sku_a", "wh_near", 2)]


def test_line_is_split_in_preference_order_when_no_warehouse_can_cover_it() -> None:
    ranked = rank_warehouses([row("wh_3", 4, country="DE"), row("wh_1", 2), row("wh_2", 3, region="NY")], CA)
    assert allocate_line("sku_a", 6, ranked) == [
        Allocation("sku_a", "wh_1", 2),
        Allocation("sku_a", "wh_2", 3),
        Allocation("sku_a", "wh_3", 1),
    ]


def test_line_beyond_all_stock_cannot_be_allocated() -> None:
    assert allocate_line("sku_a", 6, [row("wh_1", 2), row("wh_2", 3)]) is None


def test_empty_warehouses_are_never_allocated() -> None:
    assert allocate_line("sku_a", 2, [row("wh_1", 0), row("wh_2", 2)]) == [Allocation("sku_a", "wh_2", 2)]


def test_plan_is_all_or_nothing_and_names_every_short_sku() -> None:
    stock = [row("wh_1", 5, sku_id="sku_a"), row("wh_1", 1, sku_id="sku_b")]
    plan = plan_allocation({"sku_a": 2, "sku_b": 3, "sku_c": 1}, stock, CA)
    assert not plan.complete
    assert plan.allocations == ()
    assert plan.short_skus == ("sku_b", "sku_c")


def test_complete_plan_lists_allocations_in_lock_order() -> None:
    stock = [
        row("wh_2", 5, sku_id="sku_b"),
        row("wh_1", 1, sku_id="sku_a"),
        row("wh_0", 9, sku_id="sku_a", region="NY"),
    ]
    plan = plan_allocation({"sku_b": 2, "sku_a": 3}, stock, CA)
    assert plan.complete
    assert plan.allocations == (Allocation("sku_a", "wh_0", 3), Allocation("sku_b", "wh_2", 2))


def test_the_same_sku_twice_is_one_line() -> None:
    assert merge_lines([("sku_a", 1), ("sku_b", 2), ("sku_a", 3)]) == {"sku_a": 4, "sku_b": 2}
