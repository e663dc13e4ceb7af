"""The cart page's estimates: tax from a rate table by country and region, shipping from flat rates by
zone and weight, and the totals a cart shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mercato.cart.domain import Cart, CartLine, CartOwner, hash_cart_token, owns, total_with
from mercato.pricing import TaxRateTable
from mercato.shipping import FlatRate, FlatRateTable

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def line(
    qty: int, unit_price: int, added_price: int | None = None, *, digital: bool = False, grams: int = 500
) -> CartLine:
    return CartLine(
        id="cli_1",
        sku_id="sku_1",
        product_id="prod_1",
        name="Mug",
        qty=qty,
        unit_price=unit_price,
        added_price=unit_price if added_price is None else added_price,
        available=10,
        digital=digital,
        weight_grams=grams,
    )


def cart(*lines: CartLine) -> Cart:
    return Cart(
        id="cart_1",
        currency="usd",
        status="active",
        lines=lines,
        saved_for_later=(),
        created_at=NOW,
        updated_at=NOW,
        expires_at=None,
    )


def test_region_rate_refines_country_rate() -> None:
    table = TaxRateTable()
    assert table.rate_bps("US", "CA") == 725
    assert table.rate_bps("us", "ca") == 725
    assert table.rate_bps("US", "OR") == 0
    assert table.rate_bps("DE", None) == 1900
    assert table.rate_bps("ZZ", "X") == 0


def test_tax_rounds_half_up_to_a_minor_unit() -> None:
    table = TaxRateTable(country_rates={"XX": 1000}, region_rates={})
    assert table.estimate(country="XX", region=None, postal_code=None, taxable_amount=15, currency="usd") == 2
    assert table.estimate(country="XX", region=None, postal_code=None, taxable_amount=14, currency="usd") == 1


def test_shipping_is_base_plus_every_started_kilogram() -> None:
    assert FlatRate(base=500, per_kg=100).price(0) == 500
    assert FlatRate(base=500, per_kg=100).price(1) == 600
    assert FlatRate(base=500, per_kg=100).price(1000) == 600
    assert FlatRate(base=500, per_kg=100).price(1001) == 700


def test_shipping_uses_the_country_zone_or_rest_of_world() -> None:
    table = FlatRateTable()
    domestic = table.estimate(country="US", region="CA", postal_code=None, weight_grams=1500, currency="usd")
    abroad = table.estimate(country="DE", region=None, postal_code=None, weight_grams=1500, currency="usd")
    assert domestic == 499 + 2 * 100
    assert abroad == 1999 + 2 * 500


def test_shipping_in_a_currency_without_rates_is_unknown() -> None:
    assert FlatRateTable().estimate(country="US", region=None, postal_code=None, weight_grams=1, currency="xts") is None


def test_cart_totals() -> None:
    shown = cart(line(2, 1000), line(1, 250, 300, digital=True))
    assert [x.line_total for x in shown.lines] == [2000, 250]
    assert [x.price_changed for x in shown.lines] == [False, True]
    assert shown.subtotal == 2250
    assert shown.ship_weight_grams == 1000
    assert total_with(2250, 499, 163) == 2912
    assert total_with(2250, None, 163) is None


def test_only_digital_goods_need_no_shipping() -> None:
    assert cart(line(1, 100, digital=True)).ship_weight_grams is None
    assert cart().ship_weight_grams is None


def test_a_guest_cart_belongs_to_whoever_holds_its_unexpired_token() -> None:
    stored = hash_cart_token("secret-token")
    later = NOW + timedelta(days=1)
    assert owns(CartOwner(token="secret-token"), cart_user_id=None, cart_token_hash=stored, expires_at=later, now=NOW)
    assert not owns(CartOwner(token="other"), cart_user_id=None, cart_token_hash=stored, expires_at=later, now=NOW)
    assert not owns(CartOwner(token="secret-token"), cart_user_id=None, cart_token_hash=stored, expires_at=NOW, now=NOW)
    assert not owns(CartOwner(user_id="usr_1"), cart_user_id=None, cart_token_hash=stored, expires_at=later, now=NOW)


def test_a_customer_cart_belongs_only_to_that_customer() -> None:
    assert owns(CartOwner(user_id="usr_1"), cart_user_id="usr_1", cart_token_hash=None, expires_at=None, now=NOW)
    assert not owns(
        CartOwner(user_id="usr_2", token="t"), cart_user_id="usr_1", cart_token_hash=None, expires_at=None, now=NOW
    )
