"""The order plan: parcels by merchant and warehouse, discounts that add up, tax on what is paid."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mercato.checkout.domain import HeldStock, ParcelKey, PricedLine, parcels, price_items, totals


def _line(sku: str, merchant: str, price: int, qty: int, *, digital: bool = False) -> PricedLine:
    return PricedLine(sku, f"prod_{sku}", merchant, sku.upper(), qty, price, digital, 0 if digital else 500)


def test_lines_split_by_merchant_warehouse_and_digital() -> None:
    lines = [_line("a", "m1", 1000, 3), _line("b", "m2", 500, 1), _line("e", "m1", 999, 1, digital=True)]
    held = [HeldStock("a", "wh1", 2), HeldStock("a", "wh2", 1), HeldStock("b", "wh3", 1), HeldStock("e", "wh1", 1)]
    grouped = parcels(lines, held)
    assert list(grouped) == [
        ParcelKey("m1", "wh1", False),
        ParcelKey("m1", "wh1", True),
        ParcelKey("m1", "wh2", False),
        ParcelKey("m2", "wh3", False),
    ]
    assert [(line.sku_id, qty) for line, qty in grouped[ParcelKey("m1", "wh1", False)]] == [("a", 2)]


def test_discount_and_tax_per_item_and_totals_add_up() -> None:
    lines = [_line("a", "m1", 1000, 2), _line("b", "m2", 3000, 1)]
    grouped = parcels(lines, [HeldStock("a", "w1", 2), HeldStock("b", "w2", 1)])
    items = price_items(grouped, discount=500, tax_rate_bps=825)
    flat = [i for group in items.values() for i in group]
    assert [i.discount for i in flat] == [200, 300]
    assert [i.tax for i in flat] == [149, 223]  # 8.25 % of 1800 and of 2700, half up
    shipping = dict.fromkeys(items, 500)
    t = totals(items, shipping)
    assert (t.subtotal, t.shipping_total, t.tax_total, t.discount_total) == (5000, 1000, 372, 500)
    assert t.total == 5000 + 1000 + 372 - 500


@given(
    prices=st.lists(st.integers(1, 100_000), min_size=1, max_size=8),
    discount_bps=st.integers(0, 10_000),
    rate=st.integers(0, 3000),
)
def test_totals_always_equal_the_sum_of_items_and_shipping(prices: list[int], discount_bps: int, rate: int) -> None:
    lines = [_line(f"s{i}", f"m{i % 3}", p, 1 + i % 4) for i, p in enumerate(prices)]
    held = [HeldStock(line.sku_id, f"w{i % 2}", line.qty) for i, line in enumerate(lines)]
    subtotal = sum(line.unit_price * line.qty for line in lines)
    discount = subtotal * discount_bps // 10_000
    items = price_items(parcels(lines, held), discount=discount, tax_rate_bps=rate)
    shipping = {key: 100 * n for n, key in enumerate(items)}
    t = totals(items, shipping)
    item_totals = sum(i.amount + i.tax - i.discount for group in items.values() for i in group)
    assert t.discount_total == discount
    assert t.total == item_totals + sum(shipping.values())
    assert all(i.discount <= i.amount for group in items.values() for i in group)
