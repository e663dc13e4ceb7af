"""Cart rules without I/O: line totals, price-change flags, the subtotal, what needs shipping, and who
owns a cart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mercato.cart.domain import Cart, CartLine, CartOwner, hash_cart_token, owns, total_with

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
