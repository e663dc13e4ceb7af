"""Price arithmetic: half-up rounding, exact proportional splits, coupon rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mercato.pricing.domain import (
    Coupon,
    CouponKind,
    coupon_effect,
    coupon_problem,
    line_tax,
    percent_of,
    split_proportionally,
)

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def test_tax_rounds_half_up_per_line() -> None:
    assert line_tax(1000, 825) == 83  # 82.5 → 83
    assert line_tax(999, 825) == 82  # 82.4175 → 82
    assert percent_of(0, 825) == 0


@given(total=st.integers(0, 10**9), weights=st.lists(st.integers(0, 10**7), min_size=1, max_size=30))
def test_split_always_adds_up_and_never_goes_negative(total: int, weights: list[int]) -> None:
    parts = split_proportionally(total, weights)
    assert len(parts) == len(weights)
    assert all(p >= 0 for p in parts)
    assert sum(parts) == (total if sum(weights) else 0)


def test_split_is_proportional() -> None:
    assert split_proportionally(100, [1, 1, 2]) == [25, 25, 50]
    assert split_proportionally(10, [1, 1, 1]) == [4, 3, 3]


def _coupon(kind: CouponKind, value: int, **kw: object) -> Coupon:
    defaults: dict[str, object] = {"currency": "usd", "min_subtotal": 0, "starts_at": None, "ends_at": None}
    defaults.update(kw)
    return Coupon(code="X", kind=kind, value=value, **defaults)  # type: ignore[arg-type]


def test_percent_fixed_and_free_shipping_effects() -> None:
    assert coupon_effect(_coupon(CouponKind.PERCENT, 1500), subtotal=10_000).discount == 1500
    assert coupon_effect(_coupon(CouponKind.FIXED, 2500), subtotal=2000).discount == 2000  # never below zero
    free = coupon_effect(_coupon(CouponKind.FREE_SHIPPING, 0), subtotal=100)
    assert free.free_shipping and free.discount == 0


def test_coupon_window_minimum_and_currency_are_checked() -> None:
    later = _coupon(CouponKind.PERCENT, 10, starts_at=NOW + timedelta(days=1))
    over = _coupon(CouponKind.PERCENT, 10, ends_at=NOW)
    minimum = _coupon(CouponKind.PERCENT, 10, min_subtotal=5000)
    euros = _coupon(CouponKind.FIXED, 10, currency="eur")
    assert coupon_problem(later, subtotal=1, currency="usd", now=NOW) == "the coupon is not valid yet"
    assert coupon_problem(over, subtotal=1, currency="usd", now=NOW) == "the coupon has expired"
    assert "at least 5000" in (coupon_problem(minimum, subtotal=4999, currency="usd", now=NOW) or "")
    assert coupon_problem(euros, subtotal=100, currency="usd", now=NOW) == "the coupon is for another currency"
    assert coupon_problem(minimum, subtotal=5000, currency="usd", now=NOW) is None
