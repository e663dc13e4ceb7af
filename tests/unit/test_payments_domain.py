"""Pure payment rules: statuses only move forward, tokens are never card numbers, PANs are recognised."""

from __future__ import annotations

import pytest

from mercato.kernel.card_numbers import REDACTED, find_card_numbers, luhn_valid, redact_card_numbers
from mercato.payments.domain import derive_status, is_payment_method_token
from mercato.payments.sandbox.forms import decode_form


@pytest.mark.parametrize(
    ("current", "state", "captured", "refunded", "expected"),
    [
        ("pending", "authorized", 0, 0, "authorized"),
        ("authorized", "authorized", 300, 0, "partially_captured"),
        ("partially_captured", "captured", 500, 0, "captured"),
        ("captured", "authorized", 500, 0, "captured"),  # a stale webhook never moves it back
        ("captured", "refund_update", 500, 200, "partially_refunded"),
        ("partially_refunded", "refund_update", 500, 500, "refunded"),
        ("partially_captured", "refund_update", 300, 300, "partially_refunded"),  # capturable rest remains
        ("authorized", "canceled", 0, 0, "voided"),
        ("authorized", "expired", 0, 0, "expired"),
        ("voided", "expired", 0, 0, "voided"),
        ("voided", "authorized", 0, 0, "voided"),
    ],
)
def test_status_follows_the_psp_view_but_never_goes_back(
    current: str, state: str, captured: int, refunded: int, expected: str
) -> None:
    assert (
        derive_status(current=current, psp_state=state, amount_captured=captured, amount_refunded=refunded) == expected
    )


def test_only_psp_tokens_are_accepted_as_payment_methods() -> None:
    assert is_payment_method_token("pm_card_visa")
    assert is_payment_method_token("pm_1Nx7aB2eZvKYlo2C0abcdEFG")
    for value in ("4242424242424242", "pm_4242424242424242", "tok_visa", "pm_", "pm card", "pm_x;drop"):
        assert not is_payment_method_token(value), value


def test_card_numbers_are_found_by_luhn_in_any_common_spelling() -> None:
    assert luhn_valid("4242424242424242") and not luhn_valid("4242424242424241")
    text = "a 4242424242424242 b 5555-5555-5555-4444 c 3782 822463 10005 d 1234567890123 e 4242424242424241"
    assert find_card_numbers(text) == ["4242424242424242", "5555-5555-5555-4444", "3782 822463 10005"]
    assert redact_card_numbers("card 4000000000009995!") == f"card {REDACTED}!"
    assert find_card_numbers("order ord_01h2x3 at 1764060000123") == []


def test_stripe_form_encoding_decodes_to_nested_params() -> None:
    body = "amount=100&metadata[payment_id]=pay_1&expand[0]=latest_charge&payment_method_options[card][x]=y&a[]=1&a[]=2"
    assert decode_form(body) == {
        "amount": "100",
        "metadata": {"payment_id": "pay_1"},
        "expand": ["latest_charge"],
        "payment_method_options": {"card": {"x": "y"}},
        "a": ["1", "2"],
    }
