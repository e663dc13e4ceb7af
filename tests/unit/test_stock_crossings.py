"""When a SKU's sellable total (every warehouse) crosses zero: the rule behind stock.out_of_stock and
stock.back_in_stock, without I/O."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mercato.inventory.domain import StockSignal, availability_crossings


def test_taking_the_last_units_is_out_of_stock() -> None:
    assert availability_crossings({"sku_a": 3}, {"sku_a": -3}) == {"sku_a": (StockSignal.OUT_OF_STOCK, 0)}


def test_taking_some_but_not_all_units_is_no_crossing() -> None:
    assert availability_crossings({"sku_a": 3}, {"sku_a": -2}) == {}


def test_units_back_on_a_sold_out_sku_are_back_in_stock() -> None:
    assert availability_crossings({"sku_a": 0}, {"sku_a": 4}) == {"sku_a": (StockSignal.BACK_IN_STOCK, 4)}


def test_a_sku_never_stocked_that_gets_units_is_back_in_stock() -> None:
    assert availability_crossings({}, {"sku_new": 1}) == {"sku_new": (StockSignal.BACK_IN_STOCK, 1)}


def test_more_units_on_a_sku_in_stock_or_none_on_a_sold_out_one_is_no_crossing() -> None:
    assert availability_crossings({"sku_a": 1, "sku_b": 0}, {"sku_a": 5, "sku_b": 0}) == {}


def test_each_sku_of_a_multi_line_move_is_judged_on_its_own_total() -> None:
    crossed = availability_crossings({"a": 2, "b": 5, "c": 0}, {"a": -2, "b": -1, "c": 2})
    assert crossed == {"a": (StockSignal.OUT_OF_STOCK, 0), "c": (StockSignal.BACK_IN_STOCK, 2)}


@given(before=st.integers(0, 50), delta=st.integers(-50, 50))
def test_a_crossing_is_reported_exactly_when_zero_is_crossed(before: int, delta: int) -> None:
    after = max(before + delta, 0)
    crossed = availability_crossings({"s": before}, {"s": delta})
    if before > 0 and after == 0:
        assert crossed == {"s": (StockSignal.OUT_OF_STOCK, 0)}
    elif before == 0 and after > 0:
        assert crossed == {"s": (StockSignal.BACK_IN_STOCK, after)}
    else:
        assert crossed == {}
