"""Kernel values: money, ids and cursors behave as the API promises."""

from __future__ import annotations

import functools

import pytest

from mercato.kernel.errors import InvalidCursor, ValidationFailed
from mercato.kernel.ids import is_id_of, new_id
from mercato.kernel.money import Money, minor_unit_digits, normalize_currency
from mercato.kernel.paging import CursorCodec, check_limit


def test_money_adds_within_one_currency_only() -> None:
    assert Money(150, "USD") + Money(50, "usd") == Money(200, "usd")
    with pytest.raises(ValueError, match="cannot combine"):
        Money(1, "usd") + Money(1, "eur")


def test_money_refuses_floats_and_bad_currencies() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "usd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ISO 4217"):
        normalize_currency("dollars")


def test_money_times_and_zero_decimal_currencies() -> None:
    assert Money(199, "usd").times(3) == Money(597, "usd")
    assert minor_unit_digits("jpy") == 0 and minor_unit_digits("usd") == 2


def test_ids_are_prefixed_unique_and_time_ordered() -> None:
    ids = [new_id("product", now_ms=functools.partial(int, 1_700_000_000_000 + t)) for t in range(50)]
    assert all(i.startswith("prod_") and is_id_of("product", i) for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == 50
    assert not is_id_of("sku", ids[0])
    assert not is_id_of("product", "prod_../../etc/passwd")


def test_cursor_round_trips_and_refuses_tampering() -> None:
    codec = CursorCodec(secret=b"s" * 32)
    cursor = codec.encode("products:newest", ["2026-01-01T00:00:00Z", "prod_x"])
    assert codec.decode("products:newest", cursor) == ["2026-01-01T00:00:00Z", "prod_x"]
    with pytest.raises(InvalidCursor):
        codec.decode("products:price", cursor)
    with pytest.raises(InvalidCursor):
        codec.decode("products:newest", cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1])
    with pytest.raises(InvalidCursor):
        CursorCodec(secret=b"t" * 32).decode("products:newest", cursor)
    with pytest.raises(InvalidCursor):
        codec.decode("products:newest", "!!!not-base64!!!")


def test_limit_above_maximum_is_refused_not_clamped() -> None:
    assert check_limit(100) == 100
    for bad in (0, 101):
        with pytest.raises(ValidationFailed):
            check_limit(bad)
